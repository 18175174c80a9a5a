import { api, listAll } from '../api.js';
import { h } from '../dom.js';
import { confirmAction, dialog, field } from '../forms.js';
import { t } from '../i18n.js';
import { table } from '../table.js';

/** EXT-5: extension groups — phones that ring together wherever the group is a destination. */
export async function groupsView(main, context) {
  const { tenant, notify } = context;
  const base = `/tenants/${tenant}/extension-groups`;
  const [{ data }, phones] = await Promise.all([api('GET', base), listAll(`/tenants/${tenant}/extensions?kind=phone`)]);
  const reload = () => groupsView(main, context);
  const number = (id) => phones.find((p) => p.id === id)?.number ?? '?';
  const form = async (group) => {
    const members = h('fieldset', { class: 'members', dataset: { field: 'extensionIds' } }, h('legend', {}, t('groups.members')),
      phones.map((p) => h('label', { class: 'choice' },
        h('input', { type: 'checkbox', name: 'member', value: p.id, checked: group?.extensionIds.includes(p.id) }), `${p.number} ${p.name}`.trim())),
      h('p', { class: 'field-error', id: 'e-extensionIds', role: 'alert' }));
    const name = h('input', { value: group?.name ?? '' });
    const content = h('div', { class: 'fields' }, field('name', t('groups.name'), name), members);
    const body = () => ({ name: name.value.trim(), extensionIds: [...members.querySelectorAll('input:checked')].map((i) => i.value) });
    const saved = await dialog(group ? t('groups.edit', { name: group.name }) : t('groups.new'), content, {
      onSubmit: async () => (group
        ? await api('PATCH', `${base}/${group.id}`, body(), { etag: `"${group.version}"` })
        : await api('POST', base, body())).data,
    });
    if (saved) { notify(t('groups.saved', { name: saved.name })); await reload(); }
  };
  const remove = async (group) => {
    const done = await confirmAction(t('groups.confirmDelete', { name: group.name }), () => api('DELETE', `${base}/${group.id}`));
    if (done) { notify(t('groups.deleted', { name: group.name })); await reload(); }
  };
  main.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, t('groups.title')),
      h('button', { type: 'button', class: 'primary', id: 'new-group', onclick: () => form(null) }, t('groups.new'))),
    table(t('groups.title'), [
      { label: t('groups.name'), value: (g) => g.name },
      { label: t('groups.members'), value: (g) => g.extensionIds.map(number).sort().join(', ') },
      { label: t('users.col.actions'), value: (g) => h('span', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${g.name}`, onclick: () => form(g) }, t('common.edit')),
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('common.delete')} ${g.name}`, onclick: () => remove(g) }, t('common.delete'))) },
    ], data.items));
}
