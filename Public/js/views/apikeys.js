import { api } from '../api.js';
import { h } from '../dom.js';
import { confirmAction, dialog, field } from '../forms.js';
import { dateTime, t } from '../i18n.js';
import { table } from '../table.js';

/**
 * USR-1: API keys for integrators — named, with a role, shown once when created, revocable.
 * Only a prefix identifies a key afterwards.
 */
export async function apiKeysView(main, context) {
  const { tenant, notify, timeZone } = context;
  const base = `/tenants/${tenant}/api-keys`;
  const { data } = await api('GET', base);
  const reload = () => apiKeysView(main, context);
  const when = (iso) => dateTime(iso, timeZone);
  const create = async () => {
    const content = h('div', { class: 'fields' },
      field('name', t('apiKeys.name'), h('input', { autocomplete: 'off' })),
      field('role', t('users.field.role'), h('select', {}, ['member', 'admin'].map((r) => h('option', { value: r }, t(`role.${r}`))))));
    const created = await dialog(t('apiKeys.new'), content, {
      onSubmit: async () => (await api('POST', base, {
        name: content.querySelector('#f-name').value.trim(), role: content.querySelector('#f-role').value,
      })).data,
    });
    if (!created) return;
    await dialog(t('apiKeys.created', { name: created.name }), h('div', {},
      h('p', { class: 'warning' }, t('apiKeys.once')),
      h('dl', { class: 'credentials' }, h('dt', {}, t('apiKeys.secret')), h('dd', { id: 'api-key-secret' }, created.secret))),
    { submitLabel: t('common.close'), onSubmit: async () => true, cancel: false });
    await reload();
  };
  const revoke = async (key) => {
    const done = await confirmAction(t('apiKeys.confirmRevoke', { name: key.name }), () => api('DELETE', `${base}/${key.id}`), t('apiKeys.revoke'));
    if (done) { notify(t('apiKeys.revoked', { name: key.name })); await reload(); }
  };
  main.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, t('apiKeys.title')),
      h('button', { type: 'button', class: 'primary', id: 'new-api-key', onclick: create }, t('apiKeys.new'))),
    h('p', { class: 'hint' }, t('apiKeys.hint')),
    table(t('apiKeys.title'), [
      { label: t('apiKeys.name'), value: (k) => k.name },
      { label: t('apiKeys.prefix'), value: (k) => h('code', {}, k.prefix) },
      { label: t('users.field.role'), value: (k) => t(`role.${k.role}`) },
      { label: t('apiKeys.createdAt'), value: (k) => when(k.createdAt) },
      { label: t('apiKeys.lastUsed'), value: (k) => when(k.lastUsedAt) },
      { label: t('users.col.actions'), value: (k) => (k.revokedAt ? t('apiKeys.revokedAt', { when: when(k.revokedAt) })
        : h('button', { type: 'button', class: 'danger', 'aria-label': `${t('apiKeys.revoke')} ${k.name}`, onclick: () => revoke(k) }, t('apiKeys.revoke'))) },
    ], data.items));
}
