import { api } from '../api.js';
import { clear, h } from '../dom.js';
import { dialog, field } from '../forms.js';
import { language, t } from '../i18n.js';
import { table } from '../table.js';

const name = (u) => `${u.firstName} ${u.lastName}`.trim() || u.username;

/** USR: the tenant's users — search or show all, create, edit every field, delete. */
export async function usersView(main, { tenant, notify }) {
  const search = h('input', { type: 'search', id: 'user-search', 'aria-label': t('common.search'), placeholder: t('common.search') });
  const results = h('div', { class: 'results' });
  const load = async () => {
    clear(results).append(h('p', { class: 'loading' }, t('common.loading')));
    const q = search.value.trim();
    const { data } = await api('GET', `/tenants/${tenant}/users?limit=500${q ? `&q=${encodeURIComponent(q)}` : ''}`);
    results.replaceChildren(table(t('users.title'), [
      { label: t('users.col.name'), value: name },
      { label: t('users.col.username'), value: (u) => u.username },
      { label: t('users.col.role'), value: (u) => t(`role.${u.role}`) },
      { label: t('users.col.email'), value: (u) => u.email ?? '' },
      { label: t('users.col.actions'), value: (u) => h('span', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${name(u)}`, onclick: () => edit(u) }, t('common.edit')),
          h('button', { type: 'button', class: 'danger', 'aria-label': `${t('common.delete')} ${name(u)}`, onclick: () => remove(u) }, t('common.delete'))) },
    ], data.items));
  };
  const form = (user) => {
    const input = (key, attributes = {}) => h('input', { value: user?.[key] ?? '', ...attributes });
    const select = (key, options, chosen) => h('select', {}, options.map(([value, label]) => h('option', { value, selected: value === chosen }, label)));
    const fields = [
      field('firstName', t('users.field.firstName'), input('firstName', { autocomplete: 'off' })),
      field('lastName', t('users.field.lastName'), input('lastName', { autocomplete: 'off' })),
      field('username', t('users.field.username'), input('username', { autocomplete: 'off' })),
      field('email', t('users.field.email'), input('email', { type: 'email' })),
      field('phone', t('users.field.phone'), input('phone', { type: 'tel' })),
      field('role', t('users.field.role'), select('role', [['member', t('role.member')], ['admin', t('role.admin')]], user?.role ?? 'member')),
      field('language', t('users.field.language'), select('language', [['es', t('language.es')], ['en', t('language.en')]], user?.language ?? language())),
    ];
    if (!user) {
      fields.push(field('password', t('users.field.password'), h('input', { type: 'password', autocomplete: 'new-password' })),
        field('passwordConfirmation', t('users.field.passwordConfirmation'), h('input', { type: 'password', autocomplete: 'new-password' })));
    }
    return h('div', { class: 'fields' }, fields);
  };
  const values = (node, keys) => Object.fromEntries(keys.map((k) => {
    const value = node.querySelector(`#f-${k}`).value.trim();
    return [k, value === '' && ['email', 'phone'].includes(k) ? null : value];
  }));
  const create = async () => {
    const content = form(null);
    const created = await dialog(t('users.new'), content, {
      onSubmit: async () => (await api('POST', `/tenants/${tenant}/users`,
        values(content, ['firstName', 'lastName', 'username', 'email', 'phone', 'role', 'language', 'password', 'passwordConfirmation']))).data,
    });
    if (created) { notify(t('users.saved', { name: name(created) })); await load(); }
  };
  const edit = async (user) => {
    const { data, etag } = await api('GET', `/tenants/${tenant}/users/${user.id}`);
    const content = form(data);
    const saved = await dialog(t('users.edit', { name: name(data) }), content, {
      onSubmit: async () => (await api('PATCH', `/tenants/${tenant}/users/${user.id}`,
        values(content, ['firstName', 'lastName', 'username', 'email', 'phone', 'role', 'language']), { etag })).data,
    });
    if (saved) { notify(t('users.saved', { name: name(saved) })); await load(); }
  };
  const remove = async (user) => {
    const done = await dialog(t('common.delete'), h('p', {}, t('users.confirmDelete', { name: name(user) })), {
      submitLabel: t('common.delete'), danger: true,
      onSubmit: async () => api('DELETE', `/tenants/${tenant}/users/${user.id}`),
    });
    if (done) { notify(t('users.deleted', { name: name(user) })); await load(); }
  };
  let timer;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  main.replaceChildren(
    h('div', { class: 'toolbar' },
      h('h1', {}, t('users.title')),
      search,
      h('button', { type: 'button', class: 'secondary', onclick: () => { search.value = ''; load(); } }, t('common.showAll')),
      h('button', { type: 'button', class: 'primary', id: 'new-user', onclick: create }, t('users.new'))),
    results);
  await load();
}
