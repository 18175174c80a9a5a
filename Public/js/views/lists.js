import { api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { table } from '../table.js';

/** EXT-1: the extensions the caller may see (members: their own). */
export async function extensionsView(main, { tenant }) {
  const { data } = await api('GET', `/tenants/${tenant}/extensions?limit=500`);
  main.replaceChildren(h('h1', {}, t('extensions.title')), table(t('extensions.title'), [
    { label: t('extensions.col.number'), value: (e) => e.number },
    { label: t('extensions.col.kind'), value: (e) => t(`kind.${e.kind}`) },
    { label: t('extensions.col.name'), value: (e) => e.name },
    { label: t('extensions.col.sipUsername'), value: (e) => e.sipUsername },
    { label: t('extensions.col.sipServer'), value: (e) => e.sipServer },
  ], data.items));
}
