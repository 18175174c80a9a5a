import { api } from '../api.js';
import { describeDestination, loadTargets, optionalDestinationField } from '../destinations.js';
import { h } from '../dom.js';
import { dialog } from '../forms.js';
import { t } from '../i18n.js';
import { table } from '../table.js';

/**
 * TEN-2: the tenant's public numbers and where each sends its calls. The platform operator
 * assigns numbers; the tenant's admins route them (to an extension, a queue, an IVR, a call
 * flow, …) or leave them unrouted.
 */
export async function numbersView(main, context) {
  const { tenant, notify } = context;
  const base = `/tenants/${tenant}/numbers`;
  const [{ data }, targets] = await Promise.all([api('GET', base), loadTargets(tenant)]);
  const reload = () => numbersView(main, context);
  const route = async (n) => {
    // Unticking leaves the number without a destination: its calls are refused.
    const choice = optionalDestinationField('destination', t('rules.destination'), t('numbers.routed'), targets, n.destination, { on: true });
    const content = h('div', { class: 'fields' }, choice.node);
    const saved = await dialog(t('numbers.route', { number: n.number }), content, {
      onSubmit: async () => (await api('PATCH', `${base}/${n.id}`, { destination: choice.read() },
        { etag: `"${n.version}"` })).data,
    });
    if (saved) { notify(t('numbers.saved', { number: n.number })); await reload(); }
  };
  main.replaceChildren(
    h('h1', {}, t('numbers.title')),
    h('p', { class: 'hint' }, t('numbers.hint')),
    table(t('numbers.title'), [
      { label: t('numbers.number'), value: (n) => n.number },
      { label: t('rules.destination'), value: (n) => (n.destination ? describeDestination(targets, n.destination) : t('numbers.unrouted')) },
      { label: t('users.col.actions'), value: (n) => h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('numbers.routeButton')} ${n.number}`,
        onclick: () => route(n) }, t('numbers.routeButton')) },
    ], data.items));
}
