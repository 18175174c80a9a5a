import { api } from '../api.js';
import { h } from '../dom.js';
import { clearErrors, field, showErrors } from '../forms.js';
import { language, t } from '../i18n.js';

/**
 * TEN-1 for the tenant's admins: the company's name, alias, time zone, language, contact email
 * and the caller IDs outgoing calls may show (dialled with a trailing c1 … c9). The plan's
 * limits are shown; only the platform operator changes them.
 */
export async function companyView(main, context) {
  const { tenant } = context;
  const { data: company, etag } = await api('GET', `/tenants/${tenant}`);
  const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [company.timezone];
  const input = (key, attributes = {}) => h('input', { value: company[key] ?? '', autocomplete: 'off', ...attributes });
  const callerIds = h('textarea', { rows: 4 }, company.outgoingCallerIds.join('\n'));
  const fields = h('div', { class: 'fields' },
    field('name', t('company.name'), input('name')),
    field('alias', t('company.alias'), input('alias')),
    field('timezone', t('company.timezone'), h('select', {}, (zones.includes(company.timezone) ? zones : [company.timezone, ...zones])
      .map((z) => h('option', { value: z, selected: z === company.timezone }, z)))),
    field('language', t('company.language'), h('select', {}, ['es', 'en'].map((l) => h('option', { value: l, selected: l === company.language }, t(`language.${l}`))))),
    field('contactEmail', t('company.contactEmail'), input('contactEmail', { type: 'email' })),
    field('outgoingCallerIds', t('company.callerIds'), callerIds));
  const general = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'panel', novalidate: true }, fields, h('p', { class: 'hint' }, t('company.callerIdsHint')), general,
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary', id: 'save-company' }, t('common.save'))));
  const value = (k) => form.querySelector(`#f-${k}`).value.trim();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      const { data } = await api('PATCH', `/tenants/${tenant}`, {
        name: value('name'), alias: value('alias') || null, timezone: value('timezone'), language: value('language'),
        contactEmail: value('contactEmail') || null,
        outgoingCallerIds: callerIds.value.split('\n').map((line) => line.trim()).filter(Boolean),
      }, { etag });
      await context.updateTenant(data);
    } catch (error) {
      showErrors(form, error);
    }
  });
  const gb = (bytes) => (bytes / 1073741824).toLocaleString(language(), { maximumFractionDigits: 1 });
  main.replaceChildren(h('h1', {}, t('company.title')),
    h('dl', { class: 'plan' },
      h('dt', {}, t('company.plan')), h('dd', {}, company.plan),
      h('dt', {}, t('company.status')), h('dd', {}, t(`company.status.${company.status}`)),
      h('dt', {}, t('company.maxExtensions')), h('dd', {}, String(company.maxExtensions)),
      h('dt', {}, t('company.maxCalls')), h('dd', {}, String(company.maxSimultaneousCalls)),
      h('dt', {}, t('company.storage')), h('dd', {}, t('storage.gigabytes', { value: gb(company.storageQuotaBytes) }))),
    form);
}
