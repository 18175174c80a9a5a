import { api, listAll } from '../api.js';
import { describeDestination, destinationField, loadTargets } from '../destinations.js';
import { h } from '../dom.js';
import { confirmAction, dialog, field } from '../forms.js';
import { t } from '../i18n.js';
import { table } from '../table.js';

const kinds = ['cascade', 'busy', 'congestion', 'hangup', 'transfer', 'identify'];
/** What each kind may send calls to (Telephony.IncomingRule). */
const destinationTypes = {
  busy: ['extension', 'voicemail', 'queue', 'ivr', 'group', 'callFlow', 'external'],
  transfer: ['extension', 'voicemail', 'external'],
  identify: ['extension', 'voicemail', 'queue', 'ivr', 'group', 'callFlow', 'external'],
};
/** A cascade rings phones and numbers. */
const stepTypes = ['extension', 'group', 'external'];
/** The fields each kind uses besides the conditions every rule has. */
const kindFields = {
  cascade: ['totalSeconds', 'steps'], busy: ['destination'], congestion: [], hangup: [],
  transfer: ['extensionState', 'callState', 'destination'], identify: ['password', 'destination'],
};

/**
 * The steps of a cascade: who rings, and how many seconds after the previous step started
 * (the first rings at once). Errors for `steps[1].afterSeconds` show by that step.
 */
function stepsEditor(targets, initial) {
  let steps = initial.map((s) => ({ ...s }));
  let readers = [];
  const list = h('ol', { class: 'steps' });
  const collect = () => readers.map((read) => read());
  const render = () => {
    readers = [];
    list.replaceChildren(...steps.map((s, i) => {
      const picker = destinationField(`steps[${i}].destination`, t('rules.step', { n: i + 1 }), targets, s.destination, stepTypes);
      const after = h('input', { type: 'number', min: 0, max: 600, value: i === 0 ? 0 : s.afterSeconds, disabled: i === 0 });
      readers.push(() => ({ destination: picker.read(), afterSeconds: i === 0 ? 0 : Number(after.value) }));
      return h('li', { class: 'step' }, picker.node, field(`steps[${i}].afterSeconds`, t('rules.afterSeconds'), after),
        steps.length > 1 ? h('button', { type: 'button', class: 'secondary', 'aria-label': t('rules.removeStep', { n: i + 1 }),
          onclick: () => { steps = collect(); steps.splice(i, 1); render(); } }, '✕') : null);
    }));
  };
  const add = () => {
    steps = collect();
    steps.push({ destination: null, afterSeconds: 10 });
    render();
    list.lastElementChild?.querySelector('select')?.focus();
  };
  render();
  const node = h('fieldset', { class: 'steps-editor', dataset: { field: 'steps' } }, h('legend', {}, t('rules.steps')), list,
    h('p', { class: 'field-error', id: 'e-steps', role: 'alert' }),
    h('button', { type: 'button', class: 'secondary', id: 'add-step', onclick: add }, t('rules.addStep')));
  return { node, read: collect };
}

/**
 * RUL-1, RUL-2: an extension's incoming-call rules in order — add and edit per kind, move up
 * and down, switch on and off, delete.
 */
export async function rulesView(main, context, extension, back) {
  const { tenant, notify } = context;
  const base = `/tenants/${tenant}/extensions/${extension.id}/rules`;
  const [{ data }, targets, intervals] = await Promise.all([
    api('GET', base), loadTargets(tenant), listAll(`/tenants/${tenant}/intervals`)]);
  const rules = data.items;
  const reload = () => rulesView(main, context, extension, back);
  const describe = (r) => {
    const parts = [];
    if (r.callerId?.match && r.callerId.match !== 'any') parts.push(t(`rules.caller.${r.callerId.match}`, { number: r.callerId.number ?? '' }));
    if (r.intervalId) parts.push(intervals.find((i) => i.id === r.intervalId)?.name ?? '?');
    if (r.keypadCode !== undefined && r.keypadCode !== null) parts.push(`*74${r.keypadCode}`);
    if (r.kind === 'transfer') {
      if (r.extensionState !== 'any') parts.push(t(`rules.extensionState.${r.extensionState}`));
      if (r.callState !== 'any') parts.push(t(`rules.callState.${r.callState}`));
    }
    if (r.destination) parts.push(`→ ${describeDestination(targets, r.destination)}`);
    if (r.steps) parts.push(`→ ${r.steps.map((s, i) => (i === 0 ? '' : `${t('rules.startsAfter', { seconds: s.afterSeconds })} `) + describeDestination(targets, s.destination)).join(', ')}`);
    return parts.join(' · ');
  };
  const form = async (rule) => {
    const r = rule ?? { kind: 'cascade', callerId: { match: 'any' }, enabled: true, continue: false };
    const kind = h('select', { disabled: !!rule }, kinds.map((k) => h('option', { value: k, selected: k === r.kind }, t(`rules.kind.${k}`))));
    const match = h('select', {}, ['any', 'equals', 'notEquals', 'anonymous'].map((m) =>
      h('option', { value: m, selected: m === (r.callerId?.match ?? 'any') }, t(`rules.match.${m}`))));
    const state = (name, values, chosen) => h('select', {}, values.map((v) => h('option', { value: v, selected: v === (chosen ?? 'any') }, t(`rules.${name}.${v}`))));
    const steps = stepsEditor(targets, r.steps ?? [{ destination: { type: 'extension', id: extension.id }, afterSeconds: 0 }]);
    const destinationSlot = h('div', { dataset: { field: 'destination' } });
    let destination = null;
    const content = h('div', { class: 'fields' },
      field('kind', t('rules.kind'), kind),
      field('callerMatch', t('rules.callerMatch'), match),
      field('callerId.number', t('rules.callerNumber'), h('input', { type: 'tel', value: r.callerId?.number ?? '' })),
      field('intervalId', t('rules.interval'), h('select', {}, h('option', { value: '' }, t('rules.always')),
        intervals.map((i) => h('option', { value: i.id, selected: i.id === r.intervalId }, i.name)))),
      field('keypadCode', t('rules.keypadCode'), h('input', { inputmode: 'numeric', maxlength: 1, value: r.keypadCode ?? '' })),
      field('totalSeconds', t('rules.totalSeconds'), h('input', { type: 'number', min: 5, max: 600, value: r.totalSeconds ?? 30 })),
      steps.node,
      field('extensionState', t('rules.extensionState'), state('extensionState', ['any', 'registered', 'unregistered'], r.extensionState)),
      field('callState', t('rules.callState'), state('callState', ['any', 'busy', 'noAnswer'], r.callState)),
      field('password', t('rules.password'), h('input', { inputmode: 'numeric', autocomplete: 'off', value: r.password ?? '' })),
      destinationSlot,
      field('continue', t('rules.continue'), h('input', { type: 'checkbox', checked: r.continue })));
    const get = (k) => content.querySelector(`#f-${CSS.escape(k)}`);
    // Only the fields of the chosen kind show; the destination offers what that kind accepts.
    const syncKind = () => {
      const used = kindFields[kind.value];
      for (const name of new Set(Object.values(kindFields).flat())) content.querySelector(`:scope > [data-field="${name}"]`).hidden = !used.includes(name);
      if (used.includes('destination')) {
        const kept = destination ? destination.read() : r.destination;
        destination = destinationField('destination', t('rules.destination'), targets, kept, destinationTypes[kind.value]);
        destinationSlot.replaceChildren(destination.node);
      }
    };
    // A caller number only when one is compared.
    const syncMatch = () => { get('callerId.number').closest('.field').hidden = !['equals', 'notEquals'].includes(match.value); };
    kind.addEventListener('change', syncKind);
    match.addEventListener('change', syncMatch);
    syncKind();
    syncMatch();
    const body = () => {
      const k = kind.value;
      const b = {
        callerId: { match: match.value, ...(['equals', 'notEquals'].includes(match.value) ? { number: get('callerId.number').value.trim() } : {}) },
        intervalId: get('intervalId').value || null,
        keypadCode: get('keypadCode').value.trim() === '' ? null : Number(get('keypadCode').value),
        continue: get('continue').checked,
      };
      if (!rule) b.kind = k;
      if (kindFields[k].includes('destination')) b.destination = destination.read();
      if (k === 'transfer') { b.extensionState = get('extensionState').value; b.callState = get('callState').value; }
      if (k === 'identify') b.password = get('password').value.trim();
      if (k === 'cascade') { b.totalSeconds = Number(get('totalSeconds').value); b.steps = steps.read(); }
      return b;
    };
    return dialog(rule ? t('rules.edit', { position: rule.position }) : t('rules.new'), content, {
      onSubmit: async () => (rule ? api('PATCH', `${base}/${rule.id}`, body(), { etag: `"${rule.version}"` }) : api('POST', base, body())),
    });
  };
  const move = async (index, delta) => {
    const ids = rules.map((r) => r.id);
    [ids[index], ids[index + delta]] = [ids[index + delta], ids[index]];
    await api('PUT', `${base}/order`, { ids });
    await reload();
  };
  const toggle = async (rule, enabled) => {
    await api('PATCH', `${base}/${rule.id}`, { enabled }, { etag: `"${rule.version}"` });
    notify(t(enabled ? 'rules.enabled' : 'rules.disabled', { position: rule.position }));
    await reload();
  };
  const remove = async (rule) => {
    const done = await confirmAction(t('rules.confirmDelete', { position: rule.position }), () => api('DELETE', `${base}/${rule.id}`));
    if (done) await reload();
  };
  main.replaceChildren(
    h('div', { class: 'toolbar' },
      h('h1', {}, t('rules.title', { number: extension.number })),
      h('button', { type: 'button', class: 'secondary', onclick: back }, t('rules.back')),
      h('button', { type: 'button', class: 'primary', id: 'new-rule', onclick: async () => { if (await form(null)) await reload(); } }, t('rules.new'))),
    table(t('rules.title', { number: extension.number }), [
      { label: t('rules.col.position'), value: (r) => String(r.position) },
      { label: t('rules.kind'), value: (r) => t(`rules.kind.${r.kind}`) },
      { label: t('rules.col.conditions'), value: describe },
      { label: t('rules.col.enabled'), value: (r) => h('input', { type: 'checkbox', checked: r.enabled, 'aria-label': `${t('rules.col.enabled')} ${r.position}`,
        onchange: (e) => toggle(r, e.target.checked) }) },
      { label: t('users.col.actions'), value: (r) => {
        const i = rules.indexOf(r);
        return h('span', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('rules.up')} ${r.position}`, disabled: i === 0, onclick: () => move(i, -1) }, '↑'),
          h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('rules.down')} ${r.position}`, disabled: i === rules.length - 1, onclick: () => move(i, 1) }, '↓'),
          h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${r.position}`, onclick: async () => { if (await form(r)) await reload(); } }, t('common.edit')),
          h('button', { type: 'button', class: 'danger', 'aria-label': `${t('common.delete')} ${r.position}`, onclick: () => remove(r) }, t('common.delete')));
      } },
    ], rules));
}
