import { api, setCSRF } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

const organisationKey = 'centralita.organisation';

/** The organisation this browser signed in to last, or the one a link names (`?organisation=acme`). */
function rememberedOrganisation() {
  const fromLink = new URLSearchParams(location.search).get('organisation');
  try { return fromLink ?? localStorage.getItem(organisationKey) ?? ''; } catch { return fromLink ?? ''; }
}

/**
 * The sign-in form; calls `onSignedIn(user)` when the credentials are right. Usernames are
 * unique per organisation (tenant), so the form asks for it; it may stay empty when the
 * username alone names one account (platform operators, or a name no other tenant uses).
 */
export function signIn(root, onSignedIn) {
  const message = h('p', { class: 'form-error', role: 'alert', id: 'signin-error' });
  const organisation = h('input', { id: 'organisation', name: 'organisation', autocomplete: 'organization',
    autocapitalize: 'none', spellcheck: 'false', 'aria-describedby': 'organisation-hint' });
  organisation.value = rememberedOrganisation();
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'signin', novalidate: true },
    h('h1', {}, t('app.name')),
    h('h2', {}, t('signin.title')),
    h('label', { for: 'organisation' }, t('signin.organisation')), organisation,
    h('p', { class: 'hint', id: 'organisation-hint' }, t('signin.organisationHint')),
    h('label', { for: 'username' }, t('signin.username')), username,
    h('label', { for: 'password' }, t('signin.password')), password,
    message,
    h('button', { type: 'submit', class: 'primary' }, t('signin.submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    try {
      const tenant = organisation.value.trim();
      const credentials = { username: username.value.trim(), password: password.value };
      const { data } = await api('POST', '/session', tenant ? { tenant, ...credentials } : credentials);
      try {
        if (tenant) localStorage.setItem(organisationKey, tenant); else localStorage.removeItem(organisationKey);
      } catch { /* private browsing: nothing remembered */ }
      setCSRF(data.csrfToken);
      await onSignedIn(data.user);
    } catch (error) {
      message.textContent = error.status === 429 ? t('signin.throttled') : t('signin.failed');
      password.value = '';
      password.focus();
    }
  });
  root.replaceChildren(h('main', { class: 'centered' }, form));
  (organisation.value ? username : organisation).focus();
  performance.mark('sign-in shown');
}
