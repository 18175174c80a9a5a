import { api } from '../api.js';
import { h } from '../dom.js';
import { clearErrors, showErrors } from '../forms.js';
import { t } from '../i18n.js';
import { storageMeter, userForm } from './users.js';

/**
 * USR-2 … USR-5 for oneself: every user, members included, keeps their own details, languages
 * and time zone here and sees how much of their storage is used.
 */
export async function accountView(main, context) {
  const { me, tenant } = context;
  const [{ data: user, etag }, { data: usage }] = await Promise.all([api('GET', '/me'), api('GET', `/tenants/${tenant}/users/${me.id}/storage`)]);
  const form = userForm(user, { admin: false, passwords: false });
  const general = h('p', { class: 'form-error', role: 'alert' });
  const node = h('form', { class: 'panel', novalidate: true }, form.node, general,
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary', id: 'save-account' }, t('common.save'))));
  node.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(node);
    try {
      const { data } = await api('PATCH', '/me', form.read(), { etag });
      await context.updateMe(data);
    } catch (error) {
      showErrors(node, error);
    }
  });
  main.replaceChildren(h('h1', {}, t('account.title')), storageMeter(usage), node);
}
