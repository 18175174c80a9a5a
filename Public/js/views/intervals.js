import { api } from '../api.js';
import { h } from '../dom.js';
import { dialog, field } from '../forms.js';
import { t } from '../i18n.js';
import { table } from '../table.js';

const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** INT-1: time intervals — search, create, select several and delete them together. */
export async function intervalsView(main, context) {
  const { tenant, notify, timeZone } = context;
  const search = h('input', { type: 'search', id: 'interval-search', 'aria-label': t('common.search'), placeholder: t('common.search') });
  const results = h('div', { class: 'results' });
  const selected = new Set();
  const days = (i) => (i.startWeekday ? `${t(`weekday.${i.startWeekday}`)} – ${t(`weekday.${i.endWeekday ?? i.startWeekday}`)}` : t('intervals.everyDay'));
  const load = async () => {
    selected.clear();
    const q = search.value.trim();
    const { data } = await api('GET', `/tenants/${tenant}/intervals?limit=500${q ? `&q=${encodeURIComponent(q)}` : ''}`);
    results.replaceChildren(table(t('intervals.title'), [
      { label: t('agents.col.select'), value: (i) => h('input', { type: 'checkbox', 'aria-label': `${t('agents.col.select')} ${i.name}`,
        onchange: (e) => (e.target.checked ? selected.add(i.id) : selected.delete(i.id)) }) },
      { label: t('intervals.col.name'), value: (i) => i.name },
      { label: t('intervals.col.days'), value: days },
      { label: t('intervals.col.times'), value: (i) => `${i.startTime} – ${i.endTime}` },
      { label: t('intervals.col.dates'), value: (i) => (i.startDate ? `${i.startDate} – ${i.endDate ?? ''}` : '') },
      { label: t('intervals.col.zone'), value: (i) => i.timezone },
    ], data.items));
  };
  const create = async () => {
    const day = (chosen) => h('select', {}, h('option', { value: '' }, t('intervals.everyDay')),
      weekdays.map((d) => h('option', { value: d, selected: d === chosen }, t(`weekday.${d}`))));
    const content = h('div', { class: 'fields' },
      field('name', t('intervals.col.name'), h('input', {})),
      field('algorithm', t('intervals.algorithm'), h('select', {},
        ['individualDays', 'continuous'].map((a) => h('option', { value: a }, t(`intervals.algorithm.${a}`))))),
      field('startWeekday', t('intervals.startWeekday'), day('monday')),
      field('endWeekday', t('intervals.endWeekday'), day('friday')),
      field('startTime', t('intervals.startTime'), h('input', { type: 'time', value: '09:00' })),
      field('endTime', t('intervals.endTime'), h('input', { type: 'time', value: '18:00' })),
      field('startDate', t('intervals.startDate'), h('input', { type: 'date' })),
      field('endDate', t('intervals.endDate'), h('input', { type: 'date' })));
    const get = (k) => content.querySelector(`#f-${k}`).value || null;
    const created = await dialog(t('intervals.new'), content, {
      onSubmit: async () => (await api('POST', `/tenants/${tenant}/intervals`, {
        name: get('name') ?? '', algorithm: get('algorithm'), timezone: timeZone, startTime: get('startTime'), endTime: get('endTime'),
        startWeekday: get('startWeekday'), endWeekday: get('endWeekday'), startDate: get('startDate'), endDate: get('endDate'),
      })).data,
    });
    if (created) { notify(t('intervals.saved', { name: created.name })); await load(); }
  };
  const removeSelected = async () => {
    if (selected.size === 0) return;
    const done = await dialog(t('common.delete'), h('p', {}, t('intervals.confirmDelete', { count: selected.size })), {
      submitLabel: t('common.delete'), danger: true, onSubmit: () => api('POST', `/tenants/${tenant}/intervals/delete`, { ids: [...selected] }),
    });
    if (done) { notify(t('intervals.deleted')); await load(); }
  };
  let timer;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  main.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, t('intervals.title')), search,
      h('button', { type: 'button', class: 'danger', id: 'delete-intervals', onclick: removeSelected }, t('agents.removeSelected')),
      h('button', { type: 'button', class: 'primary', id: 'new-interval', onclick: create }, t('intervals.new'))),
    results);
  await load();
}
