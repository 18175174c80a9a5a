import { api, setCSRF } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

/** The sign-in form; calls `onSignedIn(user)` when the credentials are right. */
export function signIn(root, onSignedIn) {
  const message = h('p', { class: 'form-error', role: 'alert', id: 'signin-error' });
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'signin', novalidate: true },
    h('h1', {}, t('app.name')),
    h('h2', {}, t('signin.title')),
    h('label', { for: 'username' }, t('signin.username')), username,
    h('label', { for: 'password' }, t('signin.password')), password,
    message,
    h('button', { type: 'submit', class: 'primary' }, t('signin.submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    try {
      const { data } = await api('POST', '/session', { username: username.value.trim(), password: password.value });
      setCSRF(data.csrfToken);
      await onSignedIn(data.user);
    } catch (error) {
      message.textContent = error.status === 429 ? t('signin.throttled') : t('signin.failed');
      password.value = '';
      password.focus();
    }
  });
  root.replaceChildren(h('main', { class: 'centered' }, form));
  username.focus();
  performance.mark('sign-in shown');
}
