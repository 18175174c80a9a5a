import { api } from '../api.js';
import { h } from '../dom.js';
import { dialog, field } from '../forms.js';
import { t } from '../i18n.js';
import { table } from '../table.js';

/** The node's own prompts (Telephony.SystemSounds), until tenants upload sounds. */
const sounds = ['system:welcome', 'system:hello-world', 'system:please-hold', 'system:one-moment', 'system:transfer', 'system:invalid',
  'system:try-again', 'system:goodbye', 'system:thank-you', 'system:queue-thank-you', 'system:queue-periodic', 'system:beep'];
const keys = ['start', 'timeout', 'invalid', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'star', 'hash'];

/** IVR-1 … IVR-3: an IVR's contexts, their options (with action counts) and an action editor. */
export async function ivrView(main, context, ivr, back) {
  const { tenant, notify } = context;
  const base = `/tenants/${tenant}/ivrs/${ivr.id}/contexts`;
  const { data } = await api('GET', base);
  const reload = () => ivrView(main, context, ivr, back);
  const create = async () => {
    const content = h('div', { class: 'fields' },
      field('name', t('ivr.context.name'), h('input', {})),
      field('entry', t('ivr.context.entry'), h('input', { type: 'checkbox', checked: data.items.length === 0 })),
      field('directDial', t('ivr.context.directDial'), h('input', { type: 'checkbox' })),
      field('timeoutSeconds', t('ivr.context.timeout'), h('input', { type: 'number', min: 1, max: 60, value: 5 })),
      field('maxRetries', t('ivr.context.retries'), h('input', { type: 'number', min: 0, max: 10, value: 2 })));
    const get = (k) => content.querySelector(`#f-${k}`);
    const created = await dialog(t('ivr.newContext'), content, {
      onSubmit: async () => (await api('POST', base, {
        name: get('name').value.trim(), entry: get('entry').checked, directDial: get('directDial').checked,
        timeoutSeconds: Number(get('timeoutSeconds').value), maxRetries: Number(get('maxRetries').value),
      })).data,
    });
    if (created) { notify(t('ivr.saved', { name: created.name })); await reload(); }
  };
  const counts = (c) => c.options.filter((o) => o.actionCount > 0).map((o) => `${t(`ivr.key.${o.key}`)}: ${o.actionCount}`).join(', ');
  main.replaceChildren(
    h('div', { class: 'toolbar' },
      h('h1', {}, t('ivr.title', { number: ivr.number })),
      h('button', { type: 'button', class: 'secondary', onclick: back }, t('rules.back')),
      h('button', { type: 'button', class: 'primary', id: 'new-context', onclick: create }, t('ivr.newContext'))),
    table(t('ivr.title', { number: ivr.number }), [
      { label: t('ivr.context.name'), value: (c) => h('a', { href: '#', onclick: (e) => { e.preventDefault(); contextView(main, context, ivr, c.id, reload); } }, c.name) },
      { label: t('ivr.context.entry'), value: (c) => (c.entry ? t('ivr.yes') : '') },
      { label: t('ivr.context.directDial'), value: (c) => (c.directDial ? t('ivr.yes') : '') },
      { label: t('ivr.options'), value: counts },
    ], data.items));
}

/** One context: every option with how many actions it has; each opens the action editor. */
async function contextView(main, context, ivr, id, back) {
  const { tenant, notify } = context;
  const path = `/tenants/${tenant}/ivrs/${ivr.id}/contexts/${id}`;
  const [{ data: ctx, etag }, { data: all }, { data: exts }] = await Promise.all([
    api('GET', path), api('GET', `/tenants/${tenant}/ivrs/${ivr.id}/contexts`), api('GET', `/tenants/${tenant}/extensions?limit=500`)]);
  const reload = () => contextView(main, context, ivr, id, back);
  const targets = [
    ...exts.items.map((e) => [`${e.kind === 'phone' ? 'extension' : e.kind}:${e.id}`, `${e.number} ${e.name}`.trim()]),
    ...all.items.filter((c) => c.id !== id).map((c) => [`goto:${c.id}`, t('ivr.gotoContext', { name: c.name })]),
  ];
  const summary = (a) => {
    switch (a.type) {
      case 'play': return `${t('ivr.action.play')} ${a.soundId}`;
      case 'goto': return t('ivr.gotoContext', { name: all.items.find((c) => c.id === a.contextId)?.name ?? '?' });
      case 'transfer': return `${t('ivr.action.transfer')} ${exts.items.find((e) => e.id === a.destination?.id)?.number ?? a.destination?.number ?? '?'}`;
      default: return t(`ivr.action.${a.type}`);
    }
  };
  const edit = async (key) => {
    const actions = [...((ctx.options.find((o) => o.key === key)?.actions) ?? [])];
    const list = h('ol', { class: 'actions-list', id: 'actions-list' });
    const json = h('textarea', { id: 'f-json', rows: 6, 'aria-label': t('ivr.advanced') });
    const render = () => {
      list.replaceChildren(...actions.map((a, i) => h('li', {}, summary(a), ' ',
        h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('ivr.removeAction')} ${i + 1}`, onclick: () => { actions.splice(i, 1); render(); } }, '✕'))));
      json.value = JSON.stringify(actions, null, 1);
    };
    const type = h('select', { id: 'f-type' }, ['play', 'transfer', 'hangup'].map((k) => h('option', { value: k }, t(`ivr.action.${k}`))));
    const sound = h('select', { id: 'f-sound', 'aria-label': t('ivr.sound') }, sounds.map((s) => h('option', { value: s }, s)));
    const target = h('select', { id: 'f-target', 'aria-label': t('ivr.target') }, targets.map(([v, l]) => h('option', { value: v }, l)));
    // Only the choice the action type needs is shown.
    const showChoices = () => { sound.hidden = type.value !== 'play'; target.hidden = type.value !== 'transfer'; };
    type.addEventListener('change', showChoices);
    showChoices();
    const add = () => {
      if (type.value === 'play') actions.push({ type: 'play', soundId: sound.value });
      else if (type.value === 'hangup') actions.push({ type: 'hangup' });
      else {
        const [kind, targetID] = target.value.split(':');
        actions.push(kind === 'goto' ? { type: 'goto', contextId: targetID } : { type: 'transfer', destination: { type: kind, id: targetID } });
      }
      render();
    };
    const content = h('div', {}, list,
      h('div', { class: 'add-action' }, type, sound, target, h('button', { type: 'button', class: 'secondary', id: 'add-action', onclick: add }, t('ivr.addAction'))),
      h('details', {}, h('summary', {}, t('ivr.advanced')), json),
      h('p', { class: 'field-error', id: 'e-actions' }));
    json.addEventListener('change', () => { try { actions.splice(0, actions.length, ...JSON.parse(json.value)); render(); } catch { /* kept until valid */ } });
    render();
    const saved = await dialog(t('ivr.editOption', { key: t(`ivr.key.${key}`) }), content, {
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
      { label: t('ivr.actionList'), value: (o) => (o.actions ?? []).map(summary).join(' → ') },
      { label: t('users.col.actions'), value: (o) => h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('ivr.editActions')} ${o.key}`,
        onclick: () => edit(o.key) }, t('ivr.editActions')) },
    ], ctx.options.filter((o) => keys.includes(o.key))));
}
