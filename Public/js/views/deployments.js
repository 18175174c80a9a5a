import { api } from '../api.js';
import { h } from '../dom.js';
import { confirmAction } from '../forms.js';
import { dateTime, t } from '../i18n.js';
import { table } from '../table.js';

/** MED-1: how changes reach the media nodes — mode, what each node runs, history, roll back. */
export async function deploymentsView(main, context) {
  const { tenant, notify, timeZone } = context;
  const { data } = await api('GET', `/tenants/${tenant}/deployments`);
  const reload = () => deploymentsView(main, context);
  const when = (iso) => dateTime(iso, timeZone, 'medium');
  const mode = h('select', { id: 'deploy-mode', 'aria-label': t('deployments.mode') },
    ['auto', 'manual'].map((m) => h('option', { value: m, selected: m === data.deployMode }, t(`deployments.mode.${m}`))));
  mode.addEventListener('change', async () => {
    await api('PUT', `/tenants/${tenant}/deployments/mode`, { deployMode: mode.value });
    notify(t('deployments.modeSaved'));
    await reload();
  });
  const rollback = async (revision) => {
    const done = await confirmAction(t('deployments.confirmRollback', { revision }), () => api('POST', `/tenants/${tenant}/deployments/${revision}/rollback`), t('deployments.rollback'));
    if (done) { notify(t('deployments.rolledBack', { revision })); await reload(); }
  };
  main.replaceChildren(...[
    h('div', { class: 'toolbar' }, h('h1', {}, t('deployments.title')), h('label', { for: 'deploy-mode' }, t('deployments.mode')), mode),
    h('p', { class: 'hint' }, t('deployments.revisions', { config: data.configRevision, staged: data.stagedRevision })),
    data.stageError ? h('p', { class: 'form-error', role: 'alert' }, data.stageError) : null,
    h('h2', {}, t('deployments.nodes')),
    table(t('deployments.nodes'), [
      { label: t('deployments.col.node'), value: (n) => n.nodeName },
      { label: t('deployments.col.state'), value: (n) => t(`deployments.state.${n.state}`) },
      { label: t('deployments.col.desired'), value: (n) => String(n.desiredRevision) },
      { label: t('deployments.col.applied'), value: (n) => String(n.appliedRevision) },
      { label: t('deployments.col.appliedAt'), value: (n) => when(n.appliedAt) },
      { label: t('deployments.col.error'), value: (n) => n.error ?? '' },
    ], data.nodes),
    h('h2', {}, t('deployments.history')),
    table(t('deployments.history'), [
      { label: t('deployments.col.revision'), value: (b) => (b.rollbackOf ? t('deployments.rollbackOf', { revision: b.revision, of: b.rollbackOf }) : String(b.revision)) },
      { label: t('deployments.col.created'), value: (b) => when(b.createdAt) },
      { label: t('deployments.col.checksum'), value: (b) => b.checksum.slice(0, 12) },
      { label: t('users.col.actions'), value: (b) => h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('deployments.rollback')} ${b.revision}`,
        onclick: () => rollback(b.revision) }, t('deployments.rollback')) },
    ], data.history)].filter(Boolean));
}
