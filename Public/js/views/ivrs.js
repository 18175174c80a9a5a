import { api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { table } from '../table.js';
import { ivrView } from './ivr.js';

/** IVR-1: the tenant's IVR extensions; each opens its contexts. */
export async function ivrsView(main, context) {
  const { data } = await api('GET', `/tenants/${context.tenant}/extensions?kind=ivr&limit=500`);
  const reload = () => ivrsView(main, context);
  main.replaceChildren(h('h1', {}, t('ivrs.title')), table(t('ivrs.title'), [
    { label: t('extensions.col.number'), value: (e) => e.number },
    { label: t('extensions.col.name'), value: (e) => h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); ivrView(main, context, e, reload); } },
      e.name || e.number) },
  ], data.items));
}
