import { h } from './dom.js';
import { t } from './i18n.js';

/** A table with a caption and header cells (`columns`: [{label, value(row) → text or node}]). */
export function table(caption, columns, rows) {
  if (rows.length === 0) return h('p', { class: 'empty' }, t('common.empty'));
  return h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', { 'data-label': c.label }, c.value(row)))))));
}
