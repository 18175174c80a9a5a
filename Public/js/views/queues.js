import { api, listAll } from '../api.js';
import { loadTargets, optionalDestinationField } from '../destinations.js';
import { h } from '../dom.js';
import { confirmAction, dialog, field, filterable } from '../forms.js';
import { dateTime, t } from '../i18n.js';
import { table } from '../table.js';

const strategies = ['ringAll', 'leastRecent', 'fewestCalls', 'random', 'randomMemory', 'linear', 'weightedRandom'];
const moves = { loggedOut: ['loggedIn'], loggedIn: ['paused', 'loggedOut'], paused: ['loggedIn'] };

/** QUE-1 … QUE-3: queues; for each, its agents with their state, penalty and supervisor flag. */
export async function queuesView(main, context) {
  const { tenant, me } = context;
  const admin = me.role === 'admin' || me.role === 'operator';
  const { data } = await api('GET', `/tenants/${tenant}/queues`);
  const open = (queue) => agentsView(main, context, queue);
  main.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, t('queues.title')),
      admin ? h('button', { type: 'button', class: 'primary', id: 'new-queue', onclick: () => queueForm(main, context, null) }, t('queues.new')) : null),
    table(t('queues.title'), [
      { label: t('queues.col.number'), value: (q) => q.number },
      { label: t('queues.col.name'), value: (q) => h('a', { href: '#', onclick: (e) => { e.preventDefault(); open(q); } }, q.name) },
      { label: t('queues.col.strategy'), value: (q) => t(`strategy.${q.strategy}`) },
      { label: t('queues.col.agents'), value: (q) => String(q.agents) },
      { label: t('queues.col.loggedIn'), value: (q) => String(q.agentsLoggedIn) },
      ...(admin ? [{ label: t('users.col.actions'), value: (q) => h('span', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${q.name}`, onclick: () => queueForm(main, context, q) }, t('common.edit')),
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('common.delete')} ${q.name}`, onclick: () => removeQueue(main, context, q) },
          t('common.delete'))) }] : []),
    ], data.items));
}

/** QUE-1: every setting of a queue, for a new one or to change one. */
async function queueForm(main, context, queue) {
  const { tenant, notify } = context;
  const [targets, { data: sounds }] = await Promise.all([loadTargets(tenant), api('GET', `/tenants/${tenant}/sounds`)]);
  const q = queue ?? { strategy: 'ringAll', maxWaiting: 0, maxWaitSeconds: 300, retrySeconds: 5, serviceLevelSeconds: 60 };
  const number = (value, min, max) => h('input', { type: 'number', value, min, max });
  const soundChoice = (kind, chosen, none) => h('select', {}, h('option', { value: '' }, none),
    sounds.items.filter((s) => s.kind === kind).map((s) => h('option', { value: s.id, selected: s.id === chosen }, s.id)));
  // A destination is optional: "none" keeps the default (the caller is told the queue is unavailable).
  const optionalDestination = (name, value) => optionalDestinationField(name, t(`queues.field.${name}`), t(`queues.field.${name}On`), targets, value);
  const timeout = optionalDestination('timeoutDestination', q.timeoutDestination);
  const overflow = optionalDestination('overflowDestination', q.overflowDestination);
  const content = h('div', { class: 'fields' },
    field('name', t('queues.field.name'), h('input', { value: q.name ?? '' })),
    field('number', t('queues.field.number'), h('input', { inputmode: 'numeric', maxlength: 4, value: q.number ?? '' })),
    field('strategy', t('queues.field.strategy'), h('select', {}, strategies.map((s) => h('option', { value: s, selected: s === q.strategy }, t(`strategy.${s}`))))),
    field('maxWaiting', t('queues.field.maxWaiting'), number(q.maxWaiting, 0, 500)),
    field('maxWaitSeconds', t('queues.field.maxWaitSeconds'), number(q.maxWaitSeconds, 0, 86400)),
    field('retrySeconds', t('queues.field.retrySeconds'), number(q.retrySeconds, 1, 120)),
    field('serviceLevelSeconds', t('queues.field.serviceLevelSeconds'), number(q.serviceLevelSeconds, 0, 3600)),
    field('holdMusicId', t('queues.field.holdMusic'), soundChoice('holdMusic', q.holdMusicId, t('queues.defaultMusic'))),
    field('announcement.soundId', t('queues.field.announcement'), soundChoice('sound', q.announcement?.soundId, t('queues.noAnnouncement'))),
    field('announcement.everySeconds', t('queues.field.announceEvery'), number(q.announcement?.everySeconds ?? 60, 10, 600)),
    field('recordAll', t('queues.field.recordAll'), h('input', { type: 'checkbox', checked: !!q.recordAll })),
    field('stickyAgent', t('queues.field.stickyAgent'), h('input', { type: 'checkbox', checked: !!q.stickyAgent })),
    timeout.node, overflow.node);
  const get = (k) => content.querySelector(`#f-${CSS.escape(k)}`);
  const body = () => ({
    name: get('name').value.trim(), number: get('number').value.trim(), strategy: get('strategy').value,
    maxWaiting: Number(get('maxWaiting').value), maxWaitSeconds: Number(get('maxWaitSeconds').value),
    retrySeconds: Number(get('retrySeconds').value), serviceLevelSeconds: Number(get('serviceLevelSeconds').value),
    holdMusicId: get('holdMusicId').value || null,
    announcement: get('announcement.soundId').value
      ? { soundId: get('announcement.soundId').value, everySeconds: Number(get('announcement.everySeconds').value) } : null,
    recordAll: get('recordAll').checked, stickyAgent: get('stickyAgent').checked,
    timeoutDestination: timeout.read(), overflowDestination: overflow.read(),
  });
  const saved = await dialog(queue ? t('queues.edit', { name: queue.name }) : t('queues.new'), content, {
    onSubmit: async () => (queue
      ? await api('PATCH', `/tenants/${tenant}/queues/${queue.id}`, body(), { etag: `"${queue.version}"` })
      : await api('POST', `/tenants/${tenant}/queues`, body())).data,
  });
  if (saved) { notify(t('queues.saved', { name: saved.name })); await queuesView(main, context); }
}

async function removeQueue(main, context, queue) {
  const done = await confirmAction(t('queues.confirmDelete', { name: queue.name }), () => api('DELETE', `/tenants/${context.tenant}/queues/${queue.id}`));
  if (done) { context.notify(t('queues.deleted', { name: queue.name })); await queuesView(main, context); }
}

async function agentsView(main, context, queue) {
  const { tenant, me, notify, timeZone } = context;
  const admin = me.role === 'admin' || me.role === 'operator';
  const base = `/tenants/${tenant}/queues/${queue.id}/agents`;
  const when = (iso) => dateTime(iso, timeZone);
  const { data } = await api('GET', base);
  // Members change only their own agents' state (the API says so too).
  const own = admin ? null : new Set((await listAll(`/tenants/${tenant}/extensions`)).map((e) => e.number));
  const reload = () => agentsView(main, context, queue);
  const selected = new Set();
  const change = async (agent) => {
    const options = moves[agent.state].map((state, i) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name: 'state', value: state, checked: i === 0 }), t(`agentState.to.${state}`)));
    const scope = h('fieldset', {}, h('legend', {}, t('agents.scope')),
      h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'scope', value: 'queue', checked: true }), t('agents.scope.queue')),
      h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'scope', value: 'all' }), t('agents.scope.all')));
    const content = h('div', {}, h('fieldset', {}, h('legend', {}, t('agents.newState', { name: agent.agent })), options), scope);
    const done = await dialog(t('agents.changeState'), content, {
      onSubmit: async (form) => (await api('PUT', `${base}/${agent.id}/state`, {
        state: form.querySelector('input[name=state]:checked').value, scope: form.querySelector('input[name=scope]:checked').value,
      })).data,
    });
    if (done) { notify(t('agents.stateChanged', { name: agent.agent, state: t(`agentState.${done.agents[0]?.state ?? agent.state}`) })); await reload(); }
  };
  const edit = async (agent) => {
    const content = h('div', { class: 'fields' },
      field('penalty', t('agents.col.penalty'), h('input', { type: 'number', min: 0, max: 10, value: agent.penalty })),
      field('supervisor', t('agents.supervisor'), h('input', { type: 'checkbox', checked: agent.supervisor })));
    const saved = await dialog(t('common.edit'), content, {
      onSubmit: async () => (await api('PATCH', `${base}/${agent.id}`, {
        penalty: Number(content.querySelector('#f-penalty').value), supervisor: content.querySelector('#f-supervisor').checked,
      }, { etag: `"${agent.version}"` })).data,
    });
    if (saved) await reload();
  };
  const add = async () => {
    const phones = await listAll(`/tenants/${tenant}/extensions?kind=phone`);
    const content = h('div', { class: 'fields' },
      field('extensionId', t('agents.extension'), filterable(h('select', {}, phones.map((p) => h('option', { value: p.id }, `${p.number} ${p.name}`.trim()))))),
      field('pin', t('agents.pin'), h('input', { inputmode: 'numeric', autocomplete: 'off' })),
      field('penalty', t('agents.col.penalty'), h('input', { type: 'number', min: 0, max: 10, value: 0 })),
      field('supervisor', t('agents.supervisor'), h('input', { type: 'checkbox' })));
    const get = (k) => content.querySelector(`#f-${k}`);
    const added = await dialog(t('agents.add'), content, {
      onSubmit: async () => (await api('POST', base, {
        extensionId: get('extensionId').value, ...(get('pin').value ? { pin: get('pin').value } : {}),
        penalty: Number(get('penalty').value), supervisor: get('supervisor').checked,
      })).data,
    });
    if (added) await reload();
  };
  const removeSelected = async () => {
    if (selected.size === 0) return;
    const done = await confirmAction(t('agents.confirmRemove', { count: selected.size }), () => api('POST', `${base}/remove`, { ids: [...selected] }));
    if (done) await reload();
  };
  const columns = [
    ...(admin ? [{ label: t('agents.col.select'), value: (a) => h('input', { type: 'checkbox', 'aria-label': `${t('agents.col.select')} ${a.agent}`,
      onchange: (e) => (e.target.checked ? selected.add(a.id) : selected.delete(a.id)) }) }] : []),
    { label: t('agents.col.type'), value: (a) => t(`agents.type.${a.type}`) },
    { label: t('agents.col.agent'), value: (a) => `${a.extensionNumber} ${a.agent}` },
    { label: t('agents.col.lastLogin'), value: (a) => when(a.lastLogin) },
    { label: t('agents.col.lastLogout'), value: (a) => when(a.lastLogout) },
    { label: t('agents.col.lastCall'), value: (a) => when(a.lastCall) },
    { label: t('agents.col.penalty'), value: (a) => String(a.penalty) },
    { label: t('agents.col.calls'), value: (a) => String(a.callsAnswered) },
    { label: t('agents.col.state'), value: (a) => {
      const mine = admin || own.has(a.extensionNumber);
      return mine ? h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('agents.changeState')} ${a.agent}`, onclick: () => change(a) },
        t(`agentState.${a.state}`)) : t(`agentState.${a.state}`);
    } },
    ...(admin ? [{ label: t('users.col.actions'), value: (a) => h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${a.agent}`,
      onclick: () => edit(a) }, t('common.edit')) }] : []),
  ];
  main.replaceChildren(
    h('div', { class: 'toolbar' },
      h('h1', {}, t('agents.title', { queue: `${queue.number} ${queue.name}` })),
      h('button', { type: 'button', class: 'secondary', onclick: () => queuesView(main, context) }, t('agents.back')),
      admin ? h('button', { type: 'button', class: 'danger', id: 'remove-agents', onclick: removeSelected }, t('agents.removeSelected')) : null,
      admin ? h('button', { type: 'button', class: 'primary', id: 'add-agent', onclick: add }, t('agents.add')) : null),
    h('p', { class: 'hint' }, t('time.updated', { zone: timeZone })),
    table(t('agents.title', { queue: queue.name }), columns, data.items));
}
