import { api, listAll } from '../api.js';
import { actionsEditor, describeAction } from '../actions.js';
import { loadTargets } from '../destinations.js';
import { h } from '../dom.js';
import { confirmAction, dialog, field } from '../forms.js';
import { t } from '../i18n.js';
import { table } from '../table.js';

const keys = ['start', 'timeout', 'invalid', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'star', 'hash'];

/** What action editors name things by: destinations, sounds and intervals of the tenant. */
export async function loadLookups(tenant) {
  const [targets, { data: sounds }, intervals] = await Promise.all([
    loadTargets(tenant), api('GET', `/tenants/${tenant}/sounds`), listAll(`/tenants/${tenant}/intervals`)]);
  return { targets, sounds: sounds.items, intervals, contexts: null };
}

/** The settings of a context, for creating one or changing it. */
function contextForm(c, first) {
  return h('div', { class: 'fields' },
    field('name', t('ivr.context.name'), h('input', { value: c?.name ?? '' })),
    field('entry', t('ivr.context.entry'), h('input', { type: 'checkbox', checked: c ? c.entry : first })),
    field('directDial', t('ivr.context.directDial'), h('input', { type: 'checkbox', checked: c?.directDial ?? false })),
    field('timeoutSeconds', t('ivr.context.timeout'), h('input', { type: 'number', min: 1, max: 60, value: c?.timeoutSeconds ?? 5 })),
    field('maxRetries', t('ivr.context.retries'), h('input', { type: 'number', min: 0, max: 10, value: c?.maxRetries ?? 2 })));
}

function readContext(content) {
  const get = (k) => content.querySelector(`#f-${k}`);
  return {
    name: get('name').value.trim(), entry: get('entry').checked, directDial: get('directDial').checked,
    timeoutSeconds: Number(get('timeoutSeconds').value), maxRetries: Number(get('maxRetries').value),
  };
}

/** IVR-1 … IVR-3: an IVR's contexts, their options (with action counts) and an action editor. */
export async function ivrView(main, context, ivr, back) {
  const { tenant, notify } = context;
  const base = `/tenants/${tenant}/ivrs/${ivr.id}/contexts`;
  const { data } = await api('GET', base);
  const reload = () => ivrView(main, context, ivr, back);
  const create = async () => {
    const content = contextForm(null, data.items.length === 0);
    const created = await dialog(t('ivr.newContext'), content, { onSubmit: async () => (await api('POST', base, readContext(content))).data });
    if (created) { notify(t('ivr.saved', { name: created.name })); await reload(); }
  };
  const edit = async (c) => {
    const content = contextForm(c, false);
    const saved = await dialog(t('ivr.editContext', { name: c.name }), content, {
      onSubmit: async () => (await api('PATCH', `${base}/${c.id}`, readContext(content), { etag: `"${c.version}"` })).data,
    });
    if (saved) { notify(t('ivr.saved', { name: saved.name })); await reload(); }
  };
  const remove = async (c) => {
    const done = await confirmAction(t('ivr.confirmDelete', { name: c.name }), () => api('DELETE', `${base}/${c.id}`));
    if (done) { notify(t('ivr.deleted', { name: c.name })); await reload(); }
  };
  const counts = (c) => c.options.filter((o) => o.actionCount > 0).map((o) => `${t(`ivr.key.${o.key}`)}: ${o.actionCount}`).join(', ');
  main.replaceChildren(
    h('div', { class: 'toolbar' },
      h('h1', {}, t('ivr.title', { number: ivr.number })),
      h('button', { type: 'button', class: 'secondary', onclick: back }, t('common.back')),
      h('button', { type: 'button', class: 'primary', id: 'new-context', onclick: create }, t('ivr.newContext'))),
    table(t('ivr.title', { number: ivr.number }), [
      { label: t('ivr.context.name'), value: (c) => h('a', { href: '#', onclick: (e) => { e.preventDefault(); contextView(main, context, ivr, c.id, reload); } }, c.name) },
      { label: t('ivr.context.entry'), value: (c) => (c.entry ? t('ivr.yes') : '') },
      { label: t('ivr.context.directDial'), value: (c) => (c.directDial ? t('ivr.yes') : '') },
      { label: t('ivr.options'), value: counts },
      { label: t('users.col.actions'), value: (c) => h('span', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${c.name}`, onclick: () => edit(c) }, t('common.edit')),
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('common.delete')} ${c.name}`, onclick: () => remove(c) }, t('common.delete'))) },
    ], data.items));
}

/** One context: every option with how many actions it has; each opens the action editor. */
async function contextView(main, context, ivr, id, back) {
  const { tenant, notify } = context;
  const path = `/tenants/${tenant}/ivrs/${ivr.id}/contexts/${id}`;
  const [{ data: ctx, etag }, { data: all }, lookups] = await Promise.all([
    api('GET', path), api('GET', `/tenants/${tenant}/ivrs/${ivr.id}/contexts`), loadLookups(tenant)]);
  const look = { ...lookups, contexts: all.items.filter((c) => c.id !== id) };
  const reload = () => contextView(main, context, ivr, id, back);
  const edit = async (key) => {
    const actions = structuredClone(ctx.options.find((o) => o.key === key)?.actions ?? []);
    const saved = await dialog(t('ivr.editOption', { key: t(`ivr.key.${key}`) }), actionsEditor(actions, look), {
      onSubmit: async () => (await api('PUT', `${path}/options/${key}`, { actions }, { etag })).data,
    });
    if (saved) { notify(t('ivr.optionSaved', { key: t(`ivr.key.${key}`) })); await reload(); }
  };
  main.replaceChildren(
    h('div', { class: 'toolbar' },
      h('h1', {}, t('ivr.contextTitle', { name: ctx.name, number: ivr.number })),
      h('button', { type: 'button', class: 'secondary', onclick: back }, t('ivr.back'))),
    table(t('ivr.options'), [
      { label: t('ivr.option'), value: (o) => t(`ivr.key.${o.key}`) },
      { label: t('ivr.actionCount'), value: (o) => String(o.actionCount) },
      { label: t('ivr.actionList'), value: (o) => (o.actions ?? []).map((a) => describeAction(a, look)).join(' → ') },
      { label: t('users.col.actions'), value: (o) => h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('ivr.editActions')} ${o.key}`,
        onclick: () => edit(o.key) }, t('ivr.editActions')) },
    ], ctx.options.filter((o) => keys.includes(o.key))));
}
