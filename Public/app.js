// The browser app: plain ES modules, no build step, nothing fetched from elsewhere.
import { api, ApiError } from './js/api.js';
import { h } from './js/dom.js';
import { dialog, field } from './js/forms.js';
import { language, languages, t, useLanguage } from './js/i18n.js';
import { signIn } from './js/views/signin.js';
import { usersView } from './js/views/users.js';
import { extensionsView } from './js/views/extensions.js';
import { queuesView } from './js/views/queues.js';
import { pendingBanner } from './js/views/pending.js';
import { intervalsView } from './js/views/intervals.js';
import { simulatorView } from './js/views/simulator.js';
import { deploymentsView } from './js/views/deployments.js';
import { ivrsView } from './js/views/ivrs.js';
import { callFlowsView } from './js/views/callflows.js';
import { numbersView } from './js/views/numbers.js';
import { accountView } from './js/views/account.js';
import { apiKeysView } from './js/views/apikeys.js';
import { groupsView } from './js/views/groups.js';
import { companyView } from './js/views/company.js';

const root = document.getElementById('app');

/** Screens by path; `admin` ones are not offered to members. */
const screens = [
  { path: '/users', label: 'menu.users', admin: true, view: usersView },
  { path: '/extensions', label: 'menu.extensions', view: extensionsView },
  { path: '/groups', label: 'menu.groups', admin: true, view: groupsView },
  { path: '/queues', label: 'menu.queues', view: queuesView },
  { path: '/ivr', label: 'menu.ivr', admin: true, view: ivrsView },
  { path: '/call-flows', label: 'menu.callFlows', admin: true, view: callFlowsView },
  { path: '/numbers', label: 'menu.numbers', admin: true, view: numbersView },
  { path: '/intervals', label: 'menu.intervals', view: intervalsView },
  { path: '/deployments', label: 'menu.deployments', admin: true, view: deploymentsView },
  { path: '/simulator', label: 'menu.simulator', admin: true, view: simulatorView },
  { path: '/api-keys', label: 'menu.apiKeys', admin: true, view: apiKeysView },
  { path: '/company', label: 'menu.company', admin: true, view: companyView },
  { path: '/account', label: 'menu.account', view: accountView },
];

let me = null;
let tenantInfo = null;

async function boot() {
  try {
    me = (await api('GET', '/me')).data;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    me = null;
  }
  await useLanguage(me?.language ?? (navigator.language || 'es').slice(0, 2));
  if (me) { await loadTenant(); shell(); } else signIn(root, signedIn);
}

async function signedIn(user) {
  me = user;
  await useLanguage(user.language);
  await loadTenant();
  navigate(home(), true);
  shell();
}

/** The tenant's time zone: every time shown is in it. */
async function loadTenant() {
  tenantInfo = me.tenantId ? (await api('GET', `/tenants/${me.tenantId}`)).data : null;
}

const isAdmin = () => me.role === 'admin' || me.role === 'operator';
const allowed = () => screens.filter((s) => !s.admin || isAdmin());
const home = () => allowed()[0].path;

function navigate(path, replace = false) {
  if (replace) history.replaceState({}, '', path); else history.pushState({}, '', path);
}

function shell() {
  const main = h('main', { id: 'main', tabindex: '-1' });
  const status = h('p', { class: 'status', role: 'status', id: 'status' });
  const banner = h('div', { id: 'pending' });
  const notify = (text) => { status.textContent = text; };
  const current = allowed().find((s) => s.path === location.pathname) ?? allowed()[0];
  if (current.path !== location.pathname) navigate(current.path, true);
  const link = (s) => h('a', {
    href: s.path, 'aria-current': s === current ? 'page' : undefined,
    onclick: (event) => { event.preventDefault(); navigate(s.path); shell(); },
  }, t(s.label));
  const languageSelect = h('select', { id: 'language', 'aria-label': t('header.language') },
    languages.map((l) => h('option', { value: l, selected: l === language() }, t(`language.${l}`))));
  languageSelect.addEventListener('change', async () => {
    const { data } = await api('PATCH', '/me', { language: languageSelect.value });
    me = data;
    await useLanguage(me.language);
    shell();
  });
  const name = `${me.firstName} ${me.lastName}`.trim() || me.username;
  root.replaceChildren(
    h('header', { class: 'top' },
      h('span', { class: 'brand' }, t('app.name')),
      h('span', { class: 'who', id: 'signed-in-as' }, t('header.signedInAs', { name })),
      languageSelect,
      h('button', { type: 'button', class: 'secondary', id: 'change-password', onclick: changePassword }, t('header.changePassword')),
      h('button', { type: 'button', class: 'secondary', id: 'sign-out', onclick: signOut }, t('header.signOut'))),
    h('nav', { class: 'menu', 'aria-label': t('menu.label') }, h('ul', {}, allowed().map((s) => h('li', {}, link(s))))),
    h('div', { class: 'content' }, banner, status, main));
  main.append(h('p', { class: 'loading' }, t('common.loading')));
  if (isAdmin()) pendingBanner(banner, { tenant: me.tenantId, go: (path) => { navigate(path); shell(); } });
  // After changing one's own details: the language and name shown follow at once.
  const updateMe = async (user) => {
    me = user;
    await useLanguage(me.language);
    shell();
    document.getElementById('status').textContent = t('account.saved');
  };
  // Each screen's time to content is a performance measure (read by Benchmarks/browser_load.py).
  const started = performance.now();
  // After changing the company: times follow its (maybe new) time zone at once.
  const updateTenant = async (tenant) => {
    tenantInfo = tenant;
    shell();
    document.getElementById('status').textContent = t('company.saved');
  };
  current.view(main, { tenant: me.tenantId, me, notify, updateMe, updateTenant, timeZone: tenantInfo?.timezone ?? 'UTC' }).then(() => {
    performance.measure(`screen ${current.path}`, { start: started });
  }).catch((error) => {
    main.replaceChildren(h('p', { class: 'form-error', role: 'alert' },
      error.status === 403 ? t('common.forbidden') : t('common.error', { detail: error.message })));
  });
}

async function changePassword() {
  const content = h('div', { class: 'fields' },
    field('currentPassword', t('password.current'), h('input', { type: 'password', autocomplete: 'current-password' })),
    field('newPassword', t('password.new'), h('input', { type: 'password', autocomplete: 'new-password' })),
    field('confirmation', t('password.confirm'), h('input', { type: 'password', autocomplete: 'new-password' })));
  const value = (k) => content.querySelector(`#f-${k}`).value;
  const done = await dialog(t('password.title'), content, {
    submitLabel: t('password.save'),
    onSubmit: () => api('PUT', '/me/password', {
      currentPassword: value('currentPassword'), newPassword: value('newPassword'), confirmation: value('confirmation'),
    }),
  });
  if (done) document.getElementById('status').textContent = t('password.changed');
}

async function signOut() {
  await api('DELETE', '/session').catch(() => {});
  me = null;
  navigate('/', true);
  signIn(root, signedIn);
}

window.addEventListener('popstate', () => { if (me) shell(); });
boot().catch((error) => {
  root.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, String(error)));
});
