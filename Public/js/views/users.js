import { api, listAll } from '../api.js';
import { clear, h } from '../dom.js';
import { confirmAction, dialog, field } from '../forms.js';
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
    const users = await listAll(`/tenants/${tenant}/users${q ? `?q=${encodeURIComponent(q)}` : ''}`);
    results.replaceChildren(table(t('users.title'), [
      { label: t('users.col.name'), value: name },
      { label: t('users.col.username'), value: (u) => u.username },
      { label: t('users.col.role'), value: (u) => t(`role.${u.role}`) },
      { label: t('users.col.email'), value: (u) => u.email ?? '' },
      { label: t('users.col.actions'), value: (u) => h('span', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${name(u)}`, onclick: () => edit(u) }, t('common.edit')),
          h('button', { type: 'button', class: 'danger', 'aria-label': `${t('common.delete')} ${name(u)}`, onclick: () => remove(u) }, t('common.delete'))) },
    ], users));
  };
  const create = async () => {
    const form = userForm(null, { admin: true });
    const created = await dialog(t('users.new'), form.node, {
      onSubmit: async () => (await api('POST', `/tenants/${tenant}/users`, form.read())).data,
    });
    if (created) { notify(t('users.saved', { name: name(created) })); await load(); }
  };
  const edit = async (user) => {
    const [{ data, etag }, { data: usage }] = await Promise.all([
      api('GET', `/tenants/${tenant}/users/${user.id}`), api('GET', `/tenants/${tenant}/users/${user.id}/storage`)]);
    const form = userForm(data, { admin: true });
    const saved = await dialog(t('users.edit', { name: name(data) }), h('div', {}, storageMeter(usage), form.node), {
      onSubmit: async () => (await api('PATCH', `/tenants/${tenant}/users/${user.id}`, form.read(), { etag })).data,
    });
    if (saved) { notify(t('users.saved', { name: name(saved) })); await load(); }
  };
  const remove = async (user) => {
    const done = await confirmAction(t('users.confirmDelete', { name: name(user) }), () => api('DELETE', `/tenants/${tenant}/users/${user.id}`));
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

const optional = ['email', 'phone', 'address', 'city', 'postalCode', 'region', 'country', 'timezone'];
/** Languages the phone prompts come in (UserFields.phoneLanguages), named by the browser. */
const phoneLanguages = ['es', 'en', 'ca', 'eu', 'gl', 'pt', 'fr', 'de', 'it'];

/**
 * USR-3: every field of a user. `admin` adds the role; a new user gets a password twice, an
 * existing one may get a new password (empty keeps it) unless `passwords` is false — one's own
 * password changes through USR-2, which asks for the current one. `read()` gives the body.
 */
export function userForm(user, { admin, passwords = true }) {
  const input = (key, attributes = {}) => h('input', { value: user?.[key] ?? '', autocomplete: 'off', ...attributes });
  const select = (options, chosen) => h('select', {}, options.map(([value, label]) => h('option', { value, selected: value === chosen }, label)));
  const spoken = new Intl.DisplayNames([language()], { type: 'language' });
  const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [];
  const password = (key, label) => field(key, label, h('input', { type: 'password', autocomplete: 'new-password' }));
  const fields = [
    field('firstName', t('users.field.firstName'), input('firstName')),
    field('lastName', t('users.field.lastName'), input('lastName')),
    field('username', t('users.field.username'), input('username')),
    admin ? field('role', t('users.field.role'), select([['member', t('role.member')], ['admin', t('role.admin')]], user?.role ?? 'member')) : null,
    field('email', t('users.field.email'), input('email', { type: 'email' })),
    field('phone', t('users.field.phone'), input('phone', { type: 'tel' })),
    field('language', t('users.field.language'), select([['es', t('language.es')], ['en', t('language.en')]], user?.language ?? language())),
    field('phoneLanguage', t('users.field.phoneLanguage'), select(phoneLanguages.map((l) => [l, spoken.of(l)]), user?.phoneLanguage ?? language())),
    field('timezone', t('users.field.timezone'), select([['', t('users.field.tenantZone')], ...zones.map((z) => [z, z])], user?.timezone ?? '')),
    field('address', t('users.field.address'), input('address')),
    field('city', t('users.field.city'), input('city')),
    field('postalCode', t('users.field.postalCode'), input('postalCode')),
    field('region', t('users.field.region'), input('region')),
    field('country', t('users.field.country'), input('country')),
    passwords ? password('password', user ? t('users.field.newPassword') : t('users.field.password')) : null,
    passwords ? password('passwordConfirmation', t('users.field.passwordConfirmation')) : null,
  ];
  const node = h('div', { class: 'fields' }, fields);
  const read = () => {
    const body = {};
    for (const input of node.querySelectorAll('input, select')) {
      const value = input.type === 'password' ? input.value : input.value.trim();
      // An existing user keeps their password unless a new one is typed.
      if (input.type === 'password' && user && node.querySelector('#f-password')?.value === '') continue;
      body[input.name] = value === '' && optional.includes(input.name) ? null : value;
    }
    return body;
  };
  return { node, read };
}

/** USR-5: how much of the storage quota a user's voicemail, recordings and sounds take. */
export function storageMeter(usage) {
  const mb = (bytes) => (bytes / 1048576).toLocaleString(language(), { maximumFractionDigits: 1 });
  return h('div', { class: 'storage' },
    h('label', { for: 'storage-meter' }, t('users.storage', { used: mb(usage.usedBytes), total: mb(usage.totalBytes) })),
    h('meter', { id: 'storage-meter', min: 0, max: usage.totalBytes, value: usage.usedBytes, high: usage.totalBytes * 0.9 }),
    h('p', { class: 'hint' }, Object.entries(usage.byKind).filter(([, bytes]) => bytes > 0)
      .map(([kind, bytes]) => `${t(`storage.${kind}`)}: ${t('storage.megabytes', { value: mb(bytes) })}`).join(' · ')));
}
