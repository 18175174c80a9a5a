import { api, listAll } from './api.js';
import { h } from './dom.js';
import { field, filterable } from './forms.js';
import { t } from './i18n.js';

/**
 * Where calls can go in the tenant, loaded once per screen so every destination choice (rules,
 * IVR actions, call flows, public numbers) offers the same names. Lists a member may not read
 * come back empty: a member routes only to what they can see.
 */
export async function loadTargets(tenant) {
  const readable = (request) => request.catch((error) => {
    if (error.status === 403) return { data: { items: [] } };
    throw error;
  });
  const [extensions, { data: groups }, { data: flows }] = await Promise.all([
    listAll(`/tenants/${tenant}/extensions`),
    readable(api('GET', `/tenants/${tenant}/extension-groups`)),
    readable(api('GET', `/tenants/${tenant}/call-flows`))]);
  return { extensions, groups: groups.items, flows: flows.items };
}

const named = (e) => `${e.number} ${e.name ?? ''}`.trim();

/** A destination in words: "1001 Ana", "voicemail of 1001", "+34…", "call flow Night". */
export function describeDestination(targets, d) {
  if (!d) return '';
  if (d.type === 'external') return d.number;
  const extension = targets.extensions.find((e) => e.id === d.id);
  switch (d.type) {
    case 'voicemail': return t('rules.voicemailOf', { number: extension?.number ?? '?' });
    case 'group': return t('destination.groupNamed', { name: targets.groups.find((g) => g.id === d.id)?.name ?? '?' });
    case 'callFlow': return t('destination.flowNamed', { name: targets.flows.find((f) => f.id === d.id)?.name ?? '?' });
    default: return extension ? named(extension) : '?';
  }
}

/** Destination types in the order they are offered. */
export const allTypes = ['extension', 'voicemail', 'queue', 'ivr', 'group', 'callFlow', 'external'];

/**
 * A labelled choice of where a call goes, offering only `types`; an external number is typed
 * in its own field, shown when chosen. The API's errors for `<name>.id` / `.type` show by the
 * choice and `<name>.number` by the number. `read()` gives the destination object.
 */
export function destinationField(name, label, targets, value, types = allTypes) {
  const choice = (type, id, text) => h('option', { value: `${type}:${id}`, selected: value?.type === type && value?.id === id }, text);
  const kind = (k) => targets.extensions.filter((e) => e.kind === k);
  const lists = {
    extension: () => kind('phone').map((e) => choice('extension', e.id, named(e))),
    voicemail: () => kind('phone').map((e) => choice('voicemail', e.id, t('rules.voicemailOf', { number: e.number }))),
    queue: () => kind('queue').map((e) => choice('queue', e.id, named(e))),
    ivr: () => kind('ivr').map((e) => choice('ivr', e.id, named(e))),
    group: () => targets.groups.map((g) => choice('group', g.id, g.name)),
    callFlow: () => targets.flows.map((f) => choice('callFlow', f.id, f.name)),
    external: () => [h('option', { value: 'external:', selected: value?.type === 'external' }, t('destination.externalNumber'))],
  };
  const groups = types.map((type) => [type, lists[type]()]).filter(([, options]) => options.length > 0)
    .map(([type, options]) => h('optgroup', { label: t(`destination.type.${type}`) }, options));
  const select = h('select', {}, groups);
  const known = value && [...select.options].some((o) => o.selected);
  if (value && !known) {
    // Something this form cannot offer (another kind, or not visible to this user): kept as it is.
    select.prepend(h('option', { value: `${value.type}:${value.id ?? ''}`, selected: true }, describeDestination(targets, value)));
  }
  const number = h('input', { type: 'tel', autocomplete: 'off', value: value?.type === 'external' ? value.number : '' });
  const numberField = field(`${name}.number`, t('destination.number'), number);
  const sync = () => { numberField.hidden = !select.value.startsWith('external:'); };
  select.addEventListener('change', sync);
  const node = h('div', { class: 'destination' }, field(name, label, filterable(select)), numberField);
  sync();
  return {
    node,
    read() {
      const at = select.value.indexOf(':');
      const type = select.value.slice(0, at);
      return type === 'external' ? { type, number: number.value.trim() } : { type, id: select.value.slice(at + 1) };
    },
  };
}

/**
 * A destination that may also be "none": a checkbox (`<name>On`, labelled `onLabel`) shows
 * the choice; `read()` gives null while it is unticked. Ticked at first when there is a value,
 * or when `on` says so.
 */
export function optionalDestinationField(name, label, onLabel, targets, value, { on = !!value, types = allTypes } = {}) {
  const box = h('input', { type: 'checkbox', checked: on });
  const picker = destinationField(name, label, targets, value, types);
  const sync = () => { picker.node.hidden = !box.checked; };
  box.addEventListener('change', sync);
  sync();
  return {
    node: h('div', { class: 'optional-destination' }, field(`${name}On`, onLabel, box), picker.node),
    read: () => (box.checked ? picker.read() : null),
  };
}
