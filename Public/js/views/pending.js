import { api } from '../api.js';
import { h } from '../dom.js';
import { dialog } from '../forms.js';
import { t } from '../i18n.js';

/** Where each kind of finding is fixed, among the screens the app has. */
const screens = {
  user: '/users', extension: '/extensions', rule: '/extensions', queue: '/queues', ivrContext: '/ivr', callFlow: '/call-flows',
  publicNumber: '/numbers', tenant: '/company',
};

/**
 * IVR-4 for the whole tenant: when changes wait to be applied, a banner offers **Test** (the
 * validation report, each problem linked to where it is fixed) and **Apply**. Admins only.
 */
export async function pendingBanner(slot, { tenant, go }) {
  let status;
  try {
    status = (await api('GET', `/tenants/${tenant}/deployments`)).data;
  } catch {
    return; // members may not see deployments
  }
  if (!status.pending) { slot.replaceChildren(); return; }
  const test = async () => {
    const { data } = await api('POST', `/tenants/${tenant}/validate`);
    const items = data.findings.map((f) => {
      const path = screens[f.resource];
      const text = `${t(`severity.${f.severity}`)}: ${f.message} ${f.hint}`;
      return h('li', { class: `finding ${f.severity}` }, path
        ? h('a', { href: path, onclick: (event) => { event.preventDefault(); document.querySelector('dialog')?.close(); go(path); } }, text)
        : text);
    });
    await dialog(t('pending.report'), h('div', {},
      h('p', { id: 'report-summary' }, data.valid ? t('pending.valid', { warnings: data.warnings }) : t('pending.invalid', { errors: data.errors })),
      items.length ? h('ul', { class: 'findings' }, items) : null), { submitLabel: t('common.close'), onSubmit: async () => true, cancel: false });
  };
  const apply = async () => {
    const message = slot.querySelector('.form-error');
    try {
      await api('POST', `/tenants/${tenant}/deployments`);
      slot.replaceChildren(h('p', { class: 'status', role: 'status' }, t('pending.applied')));
    } catch (error) {
      message.textContent = error.status === 422 ? t('pending.refused') : t('common.error', { detail: error.message });
    }
  };
  slot.replaceChildren(h('section', { class: 'pending', 'aria-label': t('pending.label') },
    h('p', {}, t('pending.message')),
    h('button', { type: 'button', class: 'secondary', id: 'pending-test', onclick: test }, t('pending.test')),
    h('button', { type: 'button', class: 'primary', id: 'pending-apply', onclick: apply }, t('pending.apply')),
    h('p', { class: 'form-error', role: 'alert' })));
}
