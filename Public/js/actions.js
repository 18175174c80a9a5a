import { h } from './dom.js';
import { field } from './forms.js';
import { languages, t } from './i18n.js';
import { describeDestination, destinationField } from './destinations.js';

/** The action kinds (Telephony.MenuAction), in the order they are offered. */
const types = ['play', 'transfer', 'goto', 'dialExternal', 'voicemail', 'listenVoicemail', 'timeRouting',
  'httpNotification', 'lookupName', 'callerNumber', 'email', 'setLanguage', 'hangup'];
/** A transfer's destinations; voicemail and external numbers have actions of their own. */
const transferTypes = ['extension', 'queue', 'ivr', 'group', 'callFlow'];

/**
 * An action in words. `look` is what names things: `targets` (loadTargets), `sounds`
 * (GET …/sounds), `intervals`, and `contexts` (the IVR's, or null in a call flow).
 */
export function describeAction(a, look) {
  switch (a.type) {
    case 'play': return `${t('ivr.action.play')} ${a.soundId}`;
    case 'transfer': return `${t('ivr.action.transfer')} ${describeDestination(look.targets, a.destination)}`;
    case 'goto': return t('ivr.gotoContext', { name: look.contexts?.find((c) => c.id === a.contextId)?.name ?? '?' });
    case 'dialExternal': return `${t('ivr.action.dialExternal')}: ${a.number}`;
    case 'voicemail': return t('actions.voicemailOf', { number: look.targets.extensions.find((e) => e.id === a.extensionId)?.number ?? '?' });
    case 'timeRouting': return `${t('ivr.action.timeRouting')}: ${look.intervals.find((i) => i.id === a.intervalId)?.name ?? '?'}`;
    case 'httpNotification': case 'lookupName': return `${t(`ivr.action.${a.type}`)}: ${a.url}`;
    case 'callerNumber': return `${t('ivr.action.callerNumber')}: ${a.prefix ?? ''}…${a.suffix ?? ''}`;
    case 'email': return `${t('ivr.action.email')}: ${a.to}`;
    case 'setLanguage': return `${t('ivr.action.setLanguage')}: ${t(`language.${a.language}`)}`;
    default: return t(`ivr.action.${a.type}`);
  }
}

/** The action lists inside an action, as [path suffix, list, label]. */
function branches(a) {
  if (a.type === 'timeRouting') {
    a.then ??= [];
    a.else ??= [];
    return [['then', a.then, t('actions.then')], ['else', a.else, t('actions.else')]];
  }
  if (a.type === 'httpNotification') {
    a.branches ??= [];
    a.default ??= [];
    return [...a.branches.map((list, b) => [`branches[${b}]`, list, t('actions.reply', { n: b + 1 })]), ['default', a.default, t('actions.otherwise')]];
  }
  return [];
}

const choose = (values, chosen, label = (v) => v) => h('select', {}, values.map((v) => h('option', { value: v, selected: v === chosen }, label(v))));

/** The fields of one action kind, filled from `a`; `read()` gives the action (branches kept). */
function actionFields(type, a, look) {
  const input = (attributes) => h('input', { autocomplete: 'off', ...attributes });
  const phones = look.targets.extensions.filter((e) => e.kind === 'phone');
  switch (type) {
    case 'play': {
      const sound = choose(look.sounds.filter((s) => s.kind === 'sound').map((s) => s.id), a.soundId);
      return { nodes: [field('soundId', t('ivr.sound'), sound)], read: () => ({ soundId: sound.value }) };
    }
    case 'transfer': {
      const d = destinationField('destination', t('ivr.target'), look.targets, a.destination, transferTypes);
      return { nodes: [d.node], read: () => ({ destination: d.read() }) };
    }
    case 'goto': {
      const context = h('select', {}, (look.contexts ?? []).map((c) => h('option', { value: c.id, selected: c.id === a.contextId }, c.name)));
      return { nodes: [field('contextId', t('actions.context'), context)], read: () => ({ contextId: context.value }) };
    }
    case 'dialExternal': {
      const number = input({ type: 'tel', value: a.number ?? '' });
      return { nodes: [field('number', t('destination.number'), number)], read: () => ({ number: number.value.trim() }) };
    }
    case 'voicemail': {
      const mailbox = h('select', {}, phones.map((e) => h('option', { value: e.id, selected: e.id === a.extensionId }, `${e.number} ${e.name ?? ''}`.trim())));
      return { nodes: [field('extensionId', t('actions.mailbox'), mailbox)], read: () => ({ extensionId: mailbox.value }) };
    }
    case 'timeRouting': {
      const interval = h('select', {}, look.intervals.map((i) => h('option', { value: i.id, selected: i.id === a.intervalId }, i.name)));
      return { nodes: [field('intervalId', t('rules.interval'), interval)],
        read: () => ({ intervalId: interval.value, then: a.then ?? [], else: a.else ?? [] }) };
    }
    case 'httpNotification': {
      const url = input({ type: 'url', value: a.url ?? '', placeholder: 'https://crm.example.com/call?n={number}' });
      const timeout = input({ type: 'number', min: 1, max: 30, value: a.timeoutSeconds ?? 5 });
      const replies = input({ type: 'number', min: 0, max: 5, value: a.branches?.length ?? 2 });
      return {
        nodes: [field('url', t('actions.url'), url), field('timeoutSeconds', t('actions.timeout'), timeout), field('replies', t('actions.replies'), replies)],
        read: () => ({
          url: url.value.trim(), timeoutSeconds: Number(timeout.value),
          branches: Array.from({ length: Math.max(0, Math.min(5, Number(replies.value) || 0)) }, (_, b) => a.branches?.[b] ?? []),
          default: a.default ?? [],
        }),
      };
    }
    case 'lookupName': {
      const url = input({ type: 'url', value: a.url ?? '', placeholder: 'https://crm.example.com/name?n={number}' });
      const timeout = input({ type: 'number', min: 1, max: 10, value: a.timeoutSeconds ?? 3 });
      return { nodes: [field('url', t('actions.lookupUrl'), url), field('timeoutSeconds', t('actions.timeout'), timeout)],
        read: () => ({ url: url.value.trim(), timeoutSeconds: Number(timeout.value) }) };
    }
    case 'callerNumber': {
      const prefix = input({ inputmode: 'tel', value: a.prefix ?? '' });
      const suffix = input({ inputmode: 'tel', value: a.suffix ?? '' });
      return { nodes: [field('prefix', t('actions.prefix'), prefix), field('suffix', t('actions.suffix'), suffix)],
        read: () => ({ prefix: prefix.value.trim(), suffix: suffix.value.trim() }) };
    }
    case 'email': {
      const to = input({ type: 'email', value: a.to ?? '' });
      const template = h('textarea', { rows: 3 }, a.template ?? t('actions.templateDefault'));
      return { nodes: [field('to', t('actions.to'), to), field('template', t('actions.template'), template)],
        read: () => ({ to: to.value.trim(), template: template.value }) };
    }
    case 'setLanguage': {
      const language = choose(languages, a.language, (l) => t(`language.${l}`));
      return { nodes: [field('language', t('actions.language'), language)], read: () => ({ language: language.value }) };
    }
    default:
      return { nodes: [], read: () => ({}) };
  }
}

/**
 * An editor of an action list (IVR-3 options, IVR-5 call flows) with every action kind and
 * its nested branches, each list with its own "add" form; the list is also shown as JSON for
 * those who prefer it. It changes `actions` in place. An error the API reports for
 * `actions[1].then[0].url` shows by that action.
 */
export function actionsEditor(actions, look, { allowGoto = true } = {}) {
  const offered = types.filter((k) => k !== 'goto' || allowGoto);
  const root = h('div', { class: 'actions-editor' });
  const json = h('textarea', { id: 'f-json', rows: 6, 'aria-label': t('ivr.advanced') });
  let open = null; // the list path being added to, or the action path being edited
  const render = (focus) => {
    root.replaceChildren(list('actions', actions, t('actions.top'), ''), h('p', { class: 'field-error', id: 'e-actions', role: 'alert' }));
    json.value = JSON.stringify(actions, null, 1);
    if (focus) root.querySelector(focus)?.focus();
  };
  const form = (path, items, index) => {
    const initial = index === null ? {} : items[index];
    const type = choose(offered, initial.type, (k) => t(`ivr.action.${k}`));
    type.disabled = index !== null;
    const slot = h('div', { class: 'fields' });
    let fields;
    const build = () => { fields = actionFields(type.value, initial.type === type.value ? initial : {}, look); slot.replaceChildren(...fields.nodes); };
    type.addEventListener('change', build);
    build();
    const apply = () => {
      const action = { type: type.value, ...fields.read() };
      if (index === null) items.push(action); else items[index] = action;
      open = null;
      render(`#add-to-${CSS.escape(path)}`);
    };
    const node = h('div', { class: 'action-form' }, field('type', t('actions.type'), type), slot,
      h('div', { class: 'buttons' },
        h('button', { type: 'button', class: 'secondary', onclick: () => { open = null; render(); } }, t('common.cancel')),
        h('button', { type: 'button', class: 'primary', id: 'add-action', onclick: apply }, index === null ? t('ivr.addAction') : t('actions.apply'))));
    // Enter adds the action instead of saving the whole dialog.
    node.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target.tagName !== 'TEXTAREA') { e.preventDefault(); apply(); } });
    return node;
  };
  const list = (path, items, label, number) => {
    const rows = items.map((a, i) => {
      const here = `${path}[${i}]`;
      const name = `${number}${i + 1}`;
      if (open === here) return h('li', { class: 'action editing' }, form(path, items, i));
      const move = (delta) => { [items[i], items[i + delta]] = [items[i + delta], items[i]]; render(); };
      return h('li', { class: 'action' },
        h('div', { class: 'action-row' },
          h('span', { class: 'summary' }, describeAction(a, look)),
          h('span', { class: 'actions' },
            h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('rules.up')} ${name}`, disabled: i === 0, onclick: () => move(-1) }, '↑'),
            h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('rules.down')} ${name}`, disabled: i === items.length - 1, onclick: () => move(1) }, '↓'),
            ['listenVoicemail', 'hangup'].includes(a.type) ? null
              : h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${name}`, onclick: () => { open = here; render('#f-type'); } }, t('common.edit')),
            h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('ivr.removeAction')} ${name}`, onclick: () => { items.splice(i, 1); render(); } }, '✕'))),
        h('p', { class: 'field-error', id: `e-${here}`, role: 'alert' }),
        branches(a).map(([suffix, sub, title]) => h('div', { class: 'branch' }, h('p', { class: 'branch-title' }, title),
          list(`${here}.${suffix}`, sub, `${title} (${name})`, `${name} ${title} `))));
    });
    return h('div', { class: 'action-list' },
      h('ol', { class: 'actions-list', 'aria-label': label }, rows),
      open === path ? form(path, items, null)
        : h('button', { type: 'button', class: 'secondary add', id: `add-to-${path}`, 'aria-label': `${t('ivr.addAction')}: ${label}`,
          onclick: () => { open = path; render('#f-type'); } }, `+ ${t('ivr.addAction')}`));
  };
  json.addEventListener('change', () => {
    try {
      const parsed = JSON.parse(json.value);
      if (Array.isArray(parsed)) { actions.splice(0, actions.length, ...parsed); open = null; render(); }
    } catch { /* kept until it is valid JSON */ }
  });
  render();
  return h('div', {}, root, h('details', {}, h('summary', {}, t('ivr.advanced')), json));
}
