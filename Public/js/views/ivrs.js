import { listAll } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { table } from '../table.js';
import { deleteExtension, saveExtension } from './extensions.js';
import { ivrView } from './ivr.js';

/** IVR-1: the tenant's IVR extensions — create, rename, delete; each opens its contexts. */
export async function ivrsView(main, context) {
  const ivrs = await listAll(`/tenants/${context.tenant}/extensions?kind=ivr`);
  const reload = () => ivrsView(main, context);
  const create = async () => {
    const created = await saveExtension(context, null, 'ivr');
    if (created) ivrView(main, context, created, reload);
  };
  main.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, t('ivrs.title')),
      h('button', { type: 'button', class: 'primary', id: 'new-ivr', onclick: create }, t('ivrs.new'))),
    table(t('ivrs.title'), [
      { label: t('extensions.col.number'), value: (e) => e.number },
      { label: t('extensions.col.name'), value: (e) => h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); ivrView(main, context, e, reload); } },
        e.name || e.number) },
      { label: t('extensions.col.numbers'), value: (e) => e.publicNumbers.join(', ') },
      { label: t('users.col.actions'), value: (e) => h('span', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${e.number}`,
          onclick: async () => { if (await saveExtension(context, e, 'ivr')) await reload(); } }, t('common.edit')),
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('common.delete')} ${e.number}`,
          onclick: async () => { if (await deleteExtension(context, e)) await reload(); } }, t('common.delete'))) },
    ], ivrs));
}
