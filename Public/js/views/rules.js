import { api } from '../api.js';
import { h } from '../dom.js';
import { dialog, field } from '../forms.js';
import { t } from '../i18n.js';
import { table } from '../table.js';

const kinds = ['cascade', 'busy', 'congestion', 'hangup', 'transfer', 'identify'];
const needsDestination = ['busy', 'transfer', 'identify'];

/**
 * RUL-1, RUL-2: an extension's incoming-call rules in order — add and edit per kind, move up
 * and down, switch on and off, delete.
 */
export async function rulesView(main, context, extension, back) {
  const { tenant, notify } = context;
  const base = `/tenants/${tenant}/extensions/${extension.id}/rules`;
  const [{ data }, { data: phones }, { data: intervals }] = await Promise.all([
    api('GET', base), api('GET', `/tenants/${tenant}/extensions?kind=phone&limit=500`), api('GET', `/tenants/${tenant}/intervals?limit=500`)]);
  const rules = data.items;
  const reload = () => rulesView(main, context, extension, back);
  const phoneName = (id) => phones.items.find((p) => p.id === id)?.number ?? '?';
  const describe = (r) => {
    const parts = [];
    if (r.callerId?.match && r.callerId.match !== 'any') parts.push(t(`rules.caller.${r.callerId.match}`, { number: r.callerId.number ?? '' }));
    if (r.intervalId) parts.push(intervals.items.find((i) => i.id === r.intervalId)?.name ?? '?');
    if (r.keypadCode !== undefined && r.keypadCode !== null) parts.push(`*74${r.keypadCode}`);
    const d = r.destination;
    if (d) parts.push(`→ ${d.type === 'external' ? d.number : d.type === 'voicemail' ? t('rules.voicemailOf', { number: phoneName(d.id) }) : phoneName(d.id)}`);
    if (r.steps) parts.push(`→ ${r.steps.map((s) => phoneName(s.destination.id)).join(', ')}`);
    return parts.join(' · ');
  };
  const destinationOptions = (chosen) => [
    ...phones.items.map((p) => h('option', { value: `extension:${p.id}`, selected: chosen === `extension:${p.id}` }, `${p.number} ${p.name}`.trim())),
    ...phones.items.map((p) => h('option', { value: `voicemail:${p.id}`, selected: chosen === `voicemail:${p.id}` }, t('rules.voicemailOf', { number: p.number }))),
    h('option', { value: 'external', selected: chosen === 'external' }, t('rules.external')),
  ];
  const form = async (rule) => {
    const r = rule ?? { kind: 'cascade', callerId: { match: 'any' }, enabled: true, continue: false };
    const chosen = r.destination ? (r.destination.type === 'external' ? 'external' : `${r.destination.type}:${r.destination.id}`) : '';
    const content = h('div', { class: 'fields' },
      field('kind', t('rules.kind'), h('select', { disabled: !!rule }, kinds.map((k) => h('option', { value: k, selected: k === r.kind }, t(`rules.kind.${k}`))))),
      field('callerMatch', t('rules.callerMatch'), h('select', {}, ['any', 'equals', 'notEquals', 'anonymous'].map((m) =>
        h('option', { value: m, selected: m === (r.callerId?.match ?? 'any') }, t(`rules.match.${m}`))))),
      field('callerNumber', t('rules.callerNumber'), h('input', { value: r.callerId?.number ?? '' })),
      field('intervalId', t('rules.interval'), h('select', {}, h('option', { value: '' }, t('rules.always')),
        intervals.items.map((i) => h('option', { value: i.id, selected: i.id === r.intervalId }, i.name)))),
      field('keypadCode', t('rules.keypadCode'), h('input', { inputmode: 'numeric', maxlength: 1, value: r.keypadCode ?? '' })),
      field('destination', t('rules.destination'), h('select', {}, destinationOptions(chosen))),
      field('number', t('rules.externalNumber'), h('input', { type: 'tel', value: r.destination?.number ?? '' })),
      field('totalSeconds', t('rules.totalSeconds'), h('input', { type: 'number', min: 5, max: 600, value: r.totalSeconds ?? 30 })),
      field('password', t('rules.password'), h('input', { inputmode: 'numeric', value: r.password ?? '' })),
      field('continue', t('rules.continue'), h('input', { type: 'checkbox', checked: r.continue })));
    const get = (k) => content.querySelector(`#f-${k}`);
    const body = () => {
      const kind = rule ? rule.kind : get('kind').value;
      const match = get('callerMatch').value;
      const b = { callerId: { match, ...(['equals', 'notEquals'].includes(match) ? { number: get('callerNumber').value.trim() } : {}) },
        intervalId: get('intervalId').value || null, keypadCode: get('keypadCode').value === '' ? null : Number(get('keypadCode').value),
        continue: get('continue').checked };
      if (!rule) b.kind = kind;
      const target = get('destination').value;
      const destination = target === 'external' ? { type: 'external', number: get('number').value.trim() }
        : { type: target.split(':')[0], id: target.split(':')[1] };
      if (needsDestination.includes(kind)) b.destination = destination;
      if (kind === 'transfer') { b.extensionState = 'any'; b.callState = 'any'; }
      if (kind === 'identify') b.password = get('password').value.trim();
      if (kind === 'cascade') { b.totalSeconds = Number(get('totalSeconds').value); b.steps = [{ destination, afterSeconds: 0 }]; }
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
    const done = await dialog(t('common.delete'), h('p', {}, t('rules.confirmDelete', { position: rule.position })), {
      submitLabel: t('common.delete'), danger: true, onSubmit: () => api('DELETE', `${base}/${rule.id}`),
    });
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
