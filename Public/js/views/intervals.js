import { api, listAll } from '../api.js';
import { h } from '../dom.js';
import { confirmAction, dialog, field } from '../forms.js';
import { language, t } from '../i18n.js';
import { table } from '../table.js';

const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
/** A month's name in the app's language (`style`: short or long). */
const monthName = (m, style) => new Intl.DateTimeFormat(language() === 'es' ? 'es-ES' : 'en-GB', { month: style, timeZone: 'UTC' })
  .format(new Date(Date.UTC(2000, m - 1, 1)));

/** INT-1: time intervals — search, create, select several and delete them together. */
export async function intervalsView(main, context) {
  const { tenant, notify } = context;
  const search = h('input', { type: 'search', id: 'interval-search', 'aria-label': t('common.search'), placeholder: t('common.search') });
  const results = h('div', { class: 'results' });
  const selected = new Set();
  const days = (i) => (i.startWeekday ? `${t(`weekday.${i.startWeekday}`)} – ${t(`weekday.${i.endWeekday ?? i.startWeekday}`)}` : t('intervals.everyDay'));
  // Days of the month, months and dates, only where the interval limits them.
  const dates = (i) => [
    i.startDay === 1 && i.endDay === 31 ? null : t('intervals.days', { from: i.startDay, to: i.endDay }),
    i.months.length ? i.months.map((m) => monthName(m, 'short')).join(', ') : null,
    i.startDate ? `${i.startDate} – ${i.endDate ?? ''}` : null,
  ].filter(Boolean).join(' · ');
  const load = async () => {
    selected.clear();
    const q = search.value.trim();
    const intervals = await listAll(`/tenants/${tenant}/intervals${q ? `?q=${encodeURIComponent(q)}` : ''}`);
    results.replaceChildren(table(t('intervals.title'), [
      { label: t('agents.col.select'), value: (i) => h('input', { type: 'checkbox', 'aria-label': `${t('agents.col.select')} ${i.name}`,
        onchange: (e) => (e.target.checked ? selected.add(i.id) : selected.delete(i.id)) }) },
      { label: t('intervals.col.name'), value: (i) => h('a', { href: '#', 'aria-label': `${t('common.edit')} ${i.name}`,
        onclick: (e) => { e.preventDefault(); save(i); } }, i.name) },
      { label: t('intervals.col.days'), value: days },
      { label: t('intervals.col.times'), value: (i) => `${i.startTime} – ${i.endTime}` },
      { label: t('intervals.col.dates'), value: dates },
      { label: t('intervals.col.zone'), value: (i) => i.timezone },
    ], intervals));
  };
  const save = async (interval) => {
    const saved = await intervalForm(context, interval);
    if (saved) { notify(t('intervals.saved', { name: saved.name })); await load(); }
  };
  const removeSelected = async () => {
    if (selected.size === 0) return;
    const done = await confirmAction(t('intervals.confirmDelete', { count: selected.size }), () => api('POST', `/tenants/${tenant}/intervals/delete`, { ids: [...selected] }));
    if (done) { notify(t('intervals.deleted')); await load(); }
  };
  let timer;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  main.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, t('intervals.title')), search,
      h('button', { type: 'button', class: 'danger', id: 'delete-intervals', onclick: removeSelected }, t('agents.removeSelected')),
      h('button', { type: 'button', class: 'primary', id: 'new-interval', onclick: () => save(null) }, t('intervals.new'))),
    results);
  await load();
}

/**
 * INT-1: every field of an interval — days of the week and how they are read, times, days of
 * the month, months, optional dates and the time zone. Resolves with the saved interval.
 */
async function intervalForm(context, interval) {
  const { tenant, timeZone } = context;
  const i = interval ?? { algorithm: 'individualDays', timezone: timeZone, startTime: '09:00', endTime: '18:00', startWeekday: 'monday',
    endWeekday: 'friday', startDay: 1, endDay: 31, months: [] };
  const day = (chosen) => h('select', {}, h('option', { value: '' }, t('intervals.everyDay')),
    weekdays.map((d) => h('option', { value: d, selected: d === chosen }, t(`weekday.${d}`))));
  const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [i.timezone];
  const months = h('fieldset', { class: 'months', dataset: { field: 'months' } }, h('legend', {}, t('intervals.months')),
    Array.from({ length: 12 }, (_, k) => h('label', { class: 'choice' },
      h('input', { type: 'checkbox', name: 'month', value: k + 1, checked: i.months.includes(k + 1) }), monthName(k + 1, 'long'))),
    h('p', { class: 'field-error', id: 'e-months', role: 'alert' }));
  const algorithm = field('algorithm', t('intervals.algorithm'), h('select', {},
    ['individualDays', 'continuous'].map((a) => h('option', { value: a, selected: a === i.algorithm }, t(`intervals.algorithm.${a}`)))));
  algorithm.classList.add('wide');
  const content = h('div', { class: 'fields' },
    field('name', t('intervals.col.name'), h('input', { value: i.name ?? '' })),
    field('timezone', t('intervals.col.zone'), h('select', {}, (zones.includes(i.timezone) ? zones : [i.timezone, ...zones])
      .map((z) => h('option', { value: z, selected: z === i.timezone }, z)))),
    field('startWeekday', t('intervals.startWeekday'), day(i.startWeekday)),
    field('endWeekday', t('intervals.endWeekday'), day(i.endWeekday)),
    algorithm,
    field('startTime', t('intervals.startTime'), h('input', { type: 'time', value: i.startTime })),
    field('endTime', t('intervals.endTime'), h('input', { type: 'time', value: i.endTime })),
    field('startDay', t('intervals.startDay'), h('input', { type: 'number', min: 1, max: 31, value: i.startDay })),
    field('endDay', t('intervals.endDay'), h('input', { type: 'number', min: 1, max: 31, value: i.endDay })),
    field('startDate', t('intervals.startDate'), h('input', { type: 'date', value: i.startDate ?? '' })),
    field('endDate', t('intervals.endDate'), h('input', { type: 'date', value: i.endDate ?? '' })),
    months);
  const get = (k) => content.querySelector(`#f-${k}`).value || null;
  const body = () => ({
    name: get('name') ?? '', algorithm: get('algorithm'), timezone: get('timezone'), startTime: get('startTime'), endTime: get('endTime'),
    startWeekday: get('startWeekday'), endWeekday: get('endWeekday'), startDay: Number(get('startDay')), endDay: Number(get('endDay')),
    months: [...content.querySelectorAll('input[name=month]:checked')].map((m) => Number(m.value)),
    startDate: get('startDate'), endDate: get('endDate'),
  });
  return dialog(interval ? t('intervals.edit', { name: interval.name }) : t('intervals.new'), content, {
    onSubmit: async () => (interval
      ? await api('PATCH', `/tenants/${tenant}/intervals/${interval.id}`, body(), { etag: `"${interval.version}"` })
      : await api('POST', `/tenants/${tenant}/intervals`, body())).data,
  });
}
