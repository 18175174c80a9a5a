import { api, listAll } from '../api.js';
import { h } from '../dom.js';
import { clearErrors, field, showErrors } from '../forms.js';
import { language, t } from '../i18n.js';

const deviceStates = ['registered', 'unregistered', 'busy', 'noAnswer', 'answers'];

/** The UTC instant of a wall-clock time (`YYYY-MM-DDTHH:MM`) in `timeZone`. */
export function zonedToUTC(local, timeZone) {
  const [date, time] = local.split('T');
  const [y, mo, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const guess = Date.UTC(y, mo - 1, d, hh, mm);
  const offsetAt = (instant) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute) - instant;
  };
  const first = guess - offsetAt(guess);
  return new Date(guess - offsetAt(first)).toISOString();
}

/** A call tried on the current (maybe not yet applied) configuration, step by step. */
export async function simulatorView(main, { tenant, timeZone }) {
  const phones = await listAll(`/tenants/${tenant}/extensions?kind=phone`);
  const now = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .format(new Date()).replace(' ', 'T');
  const result = h('section', { class: 'trace', 'aria-live': 'polite', id: 'trace' });
  const form = h('form', { class: 'simulator', novalidate: true },
    h('div', { class: 'fields' },
      field('from', t('simulator.from'), h('input', { value: '+34600000000' })),
      field('to', t('simulator.to'), h('input', { value: phones[0]?.number ?? '' })),
      field('at', t('simulator.at', { zone: timeZone }), h('input', { type: 'datetime-local', value: now })),
      field('keys', t('simulator.keys'), h('input', { placeholder: '1#' }))),
    h('fieldset', {}, h('legend', {}, t('simulator.devices')),
      h('div', { class: 'fields' }, phones.map((p) => field(`device-${p.number}`, `${p.number} ${p.name}`.trim(),
        h('select', {}, deviceStates.map((s) => h('option', { value: s }, t(`device.${s}`)))))))),
    h('p', { class: 'form-error', role: 'alert' }),
    h('button', { type: 'submit', class: 'primary', id: 'simulate' }, t('simulator.run')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = (k) => form.querySelector(`#f-${k}`).value.trim();
    const devices = Object.fromEntries(phones.map((p) => [p.number, form.querySelector(`#f-device-${p.number}`).value]));
    try {
      const { data } = await api('POST', `/tenants/${tenant}/simulate?lang=${language()}`, {
        from: value('from') || 'anonymous', to: value('to'), at: zonedToUTC(value('at'), timeZone), devices, keys: value('keys'),
      });
      clearErrors(form);
      result.replaceChildren(h('h2', {}, t('simulator.trace')),
        h('ol', { class: 'steps' }, data.events.map((e) => h('li', { dataset: { kind: e.kind } }, e.sentence))),
        h('p', { class: `outcome ${data.outcome.kind}`, id: 'outcome' }, data.outcome.sentence));
    } catch (error) {
      showErrors(form, error);
    }
  });
  main.replaceChildren(h('h1', {}, t('simulator.title')), form, result);
}
