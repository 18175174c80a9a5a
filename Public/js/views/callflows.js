import { api } from '../api.js';
import { actionsEditor, describeAction } from '../actions.js';
import { h } from '../dom.js';
import { confirmAction, dialog, field } from '../forms.js';
import { t } from '../i18n.js';
import { table } from '../table.js';
import { loadLookups } from './ivr.js';

/**
 * IVR-5: call flows — a public number's calls run through actions (time routing, webhooks,
 * transfers, …) without an IVR extension. Routing a number to a flow is done on Numbers.
 */
export async function callFlowsView(main, context) {
  const { tenant, notify } = context;
  const base = `/tenants/${tenant}/call-flows`;
  const [{ data }, look] = await Promise.all([api('GET', base), loadLookups(tenant)]);
  const reload = () => callFlowsView(main, context);
  const form = async (flow) => {
    const actions = structuredClone(flow?.actions ?? []);
    const name = h('input', { value: flow?.name ?? '' });
    const content = h('div', {}, h('div', { class: 'fields' }, field('name', t('flows.name'), name)),
      h('h3', {}, t('flows.actions')), actionsEditor(actions, look, { allowGoto: false }));
    const saved = await dialog(flow ? t('flows.edit', { name: flow.name }) : t('flows.new'), content, {
      onSubmit: async () => (flow
        ? await api('PATCH', `${base}/${flow.id}`, { name: name.value.trim(), actions }, { etag: `"${flow.version}"` })
        : await api('POST', base, { name: name.value.trim(), actions })).data,
    });
    if (saved) { notify(t('flows.saved', { name: saved.name })); await reload(); }
  };
  const remove = async (flow) => {
    const done = await confirmAction(t('flows.confirmDelete', { name: flow.name }), () => api('DELETE', `${base}/${flow.id}`));
    if (done) { notify(t('flows.deleted', { name: flow.name })); await reload(); }
  };
  main.replaceChildren(
    h('div', { class: 'toolbar' },
      h('h1', {}, t('flows.title')),
      h('button', { type: 'button', class: 'primary', id: 'new-flow', onclick: () => form(null) }, t('flows.new'))),
    h('p', { class: 'hint' }, t('flows.hint')),
    table(t('flows.title'), [
      { label: t('flows.name'), value: (f) => f.name },
      { label: t('extensions.col.numbers'), value: (f) => f.publicNumbers.join(', ') || '—' },
      { label: t('ivr.actionList'), value: (f) => f.actions.map((a) => describeAction(a, look)).join(' → ') },
      { label: t('users.col.actions'), value: (f) => h('span', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${f.name}`, onclick: () => form(f) }, t('common.edit')),
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('common.delete')} ${f.name}`, onclick: () => remove(f) }, t('common.delete'))) },
    ], data.items));
}
