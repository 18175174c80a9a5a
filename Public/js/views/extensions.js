import { api, listAll } from '../api.js';
import { h } from '../dom.js';
import { confirmAction, dialog, field } from '../forms.js';
import { dateTime, t } from '../i18n.js';
import { table } from '../table.js';
import { rulesView } from './rules.js';
import { ivrView } from './ivr.js';

/**
 * EXT-1 … EXT-4: the extensions the caller may see (members: their own) with kind, SIP
 * username and server, and public numbers; admins create them and change SIP passwords (shown
 * once); voicemail settings for admins and owners.
 */
export async function extensionsView(main, context) {
  const { tenant, me, notify } = context;
  const admin = me.role === 'admin' || me.role === 'operator';
  const extensions = await listAll(`/tenants/${tenant}/extensions`);
  const reload = () => extensionsView(main, context);
  const showPassword = (title, username, password, warning) => dialog(title, h('div', {},
    warning ? h('p', { class: 'warning' }, warning) : null,
    h('p', {}, t('extensions.passwordOnce')),
    h('dl', { class: 'credentials' },
      h('dt', {}, t('extensions.col.sipUsername')), h('dd', { id: 'sip-username' }, username),
      h('dt', {}, t('extensions.sipPassword')), h('dd', { id: 'sip-password' }, password))),
  { submitLabel: t('common.close'), onSubmit: async () => true, cancel: false });
  const create = async () => {
    const created = await saveExtension(context, null, 'phone');
    if (!created) return;
    await showPassword(t('extensions.created', { number: created.number }), created.sipUsername, created.sipPassword);
    await reload();
  };
  const edit = async (ext) => { if (await saveExtension(context, ext, ext.kind)) await reload(); };
  const remove = async (ext) => { if (await deleteExtension(context, ext)) await reload(); };
  const newPassword = async (ext) => {
    const confirmed = await dialog(t('extensions.newPassword'), h('p', { class: 'warning' }, t('extensions.newPasswordWarning', { number: ext.number })), {
      submitLabel: t('extensions.newPassword'), danger: true,
      onSubmit: async () => (await api('PUT', `/tenants/${tenant}/extensions/${ext.id}/sip-password`)).data,
    });
    if (confirmed) await showPassword(t('extensions.newPassword'), confirmed.sipUsername, confirmed.sipPassword, confirmed.warning);
  };
  const voicemail = async (ext) => {
    const { data: vm, etag } = await api('GET', `/tenants/${tenant}/extensions/${ext.id}/voicemail`);
    const check = (checked) => h('input', { type: 'checkbox', checked });
    const content = h('div', { class: 'fields' },
      field('enabled', t('voicemail.enabled'), check(vm.enabled)),
      field('pin', vm.pinSet ? t('voicemail.pinSet') : t('voicemail.pin'), h('input', { inputmode: 'numeric', autocomplete: 'off', maxlength: 5 })),
      field('notify', t('voicemail.notify'), h('select', {}, ['none', 'alert', 'attach'].map((n) => h('option', { value: n, selected: n === vm.notify }, t(`voicemail.notify.${n}`))))),
      field('answerAfterSeconds', t('voicemail.answerAfter'), h('input', { type: 'number', min: 5, max: 300, value: vm.answerAfterSeconds })),
      field('deleteAfterDays', t('voicemail.deleteAfter'), h('input', { type: 'number', min: 0, max: 3650, value: vm.deleteAfterDays })),
      field('keepUnread', t('voicemail.keepUnread'), check(vm.keepUnread)),
      field('exitToExtension', t('voicemail.exitTo'), h('select', {}, h('option', { value: '' }, t('voicemail.noExit')),
        extensions.filter((e) => e.kind === 'phone' && e.id !== ext.id).map((e) =>
          h('option', { value: e.id, selected: e.id === vm.exitToExtension }, `${e.number} ${e.name}`.trim())))));
    const get = (k) => content.querySelector(`#f-${k}`);
    const saved = await dialog(t('voicemail.title', { number: ext.number }), content, {
      onSubmit: async () => (await api('PUT', `/tenants/${tenant}/extensions/${ext.id}/voicemail`, {
        enabled: get('enabled').checked, notify: get('notify').value, answerAfterSeconds: Number(get('answerAfterSeconds').value),
        deleteAfterDays: Number(get('deleteAfterDays').value), keepUnread: get('keepUnread').checked,
        exitToExtension: get('exitToExtension').value || null, ...(get('pin').value ? { pin: get('pin').value } : {}),
      }, { etag })).data,
    });
    // A mailbox is never enabled without a PIN: the portal made one, and shows it this once.
    if (saved?.generatedPin) notify(t('voicemail.generatedPin', { number: ext.number, pin: saved.generatedPin }));
    else if (saved) notify(t('voicemail.saved', { number: ext.number }));
  };
  const recording = async (ext) => {
    const { data: rec, etag } = await api('GET', `/tenants/${tenant}/extensions/${ext.id}/recording`);
    const content = h('div', { class: 'fields' },
      field('enabled', t('recording.enabled'), h('input', { type: 'checkbox', checked: rec.enabled })),
      field('start', t('recording.start'), h('select', {}, ['never', 'conferences', 'onDemand', 'always'].map((s) =>
        h('option', { value: s, selected: s === rec.start }, t(`recording.start.${s}`))))),
      field('announce', t('recording.announce'), h('input', { type: 'checkbox', checked: rec.announce })),
      field('deleteAfterDays', t('voicemail.deleteAfter'), h('input', { type: 'number', min: 0, max: 3650, value: rec.deleteAfterDays })));
    const get = (k) => content.querySelector(`#f-${k}`);
    const saved = await dialog(t('recording.title', { number: ext.number }), content, {
      onSubmit: async () => (await api('PUT', `/tenants/${tenant}/extensions/${ext.id}/recording`, {
        enabled: get('enabled').checked, start: get('start').value, announce: get('announce').checked, deleteAfterDays: Number(get('deleteAfterDays').value),
      }, { etag })).data,
    });
    if (saved) notify(t('recording.saved', { number: ext.number }));
  };
  const devices = async (ext) => {
    const list = (await api('GET', `/tenants/${tenant}/extensions/${ext.id}/devices`)).data.items;
    const when = (iso) => dateTime(iso, context.timeZone);
    await dialog(t('devices.title', { number: ext.number }), list.length ? table(t('devices.title', { number: ext.number }), [
      { label: t('devices.contact'), value: (d) => d.contact },
      { label: t('devices.userAgent'), value: (d) => d.userAgent ?? '' },
      { label: t('devices.address'), value: (d) => d.address ?? '' },
      { label: t('devices.registeredAt'), value: (d) => when(d.registeredAt) },
      { label: t('devices.expiresAt'), value: (d) => when(d.expiresAt) },
    ], list) : h('p', { id: 'no-devices' }, t('devices.none')), { submitLabel: t('common.close'), onSubmit: async () => true, cancel: false });
  };
  const actions = (e) => h('span', { class: 'actions' },
    e.kind === 'phone' ? h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('devices.button')} ${e.number}`,
      onclick: () => devices(e) }, t('devices.button')) : null,
    e.kind === 'phone' ? h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('recording.button')} ${e.number}`,
      onclick: () => recording(e) }, t('recording.button')) : null,
    e.kind === 'phone' ? h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('rules.button')} ${e.number}`,
      onclick: () => rulesView(main, context, e, reload) }, t('rules.button')) : null,
    e.kind === 'ivr' && admin ? h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('ivr.button')} ${e.number}`,
      onclick: () => ivrView(main, context, e, reload) }, t('ivr.button')) : null,
    e.kind === 'phone' ? h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('voicemail.button')} ${e.number}`, onclick: () => voicemail(e) }, t('voicemail.button')) : null,
    admin ? h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('extensions.newPassword')} ${e.number}`, onclick: () => newPassword(e) }, t('extensions.newPassword')) : null,
    // Queues have their own screen for everything they hold.
    admin && e.kind !== 'queue' ? h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('common.edit')} ${e.number}`, onclick: () => edit(e) }, t('common.edit')) : null,
    admin && e.kind !== 'queue' ? h('button', { type: 'button', class: 'danger', 'aria-label': `${t('common.delete')} ${e.number}`, onclick: () => remove(e) }, t('common.delete')) : null);
  // The whole list is loaded; the search narrows it as one types (number, name, SIP user, numbers).
  const search = h('input', { type: 'search', id: 'extension-search', 'aria-label': t('common.search'), placeholder: t('common.search') });
  const results = h('div', { class: 'results' });
  const render = () => {
    const text = search.value.trim().toLowerCase();
    const shown = text === '' ? extensions
      : extensions.filter((e) => [e.number, e.name, e.sipUsername, ...e.publicNumbers].some((v) => v?.toLowerCase().includes(text)));
    results.replaceChildren(table(t('extensions.title'), [
      { label: t('extensions.col.number'), value: (e) => e.number },
      { label: t('extensions.col.kind'), value: (e) => t(`kind.${e.kind}`) },
      { label: t('extensions.col.name'), value: (e) => e.name },
      { label: t('extensions.col.sipUsername'), value: (e) => e.sipUsername },
      { label: t('extensions.col.sipServer'), value: (e) => e.sipServer },
      { label: t('extensions.col.numbers'), value: (e) => e.publicNumbers.join(', ') },
      { label: t('users.col.actions'), value: actions },
    ], shown));
  };
  search.addEventListener('input', render);
  render();
  main.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, t('extensions.title')), search,
      admin ? h('button', { type: 'button', class: 'primary', id: 'new-extension', onclick: create }, t('extensions.new')) : null),
    results);
}

/**
 * EXT-1: a new extension of `kind` (phone or IVR) or changes to `ext`: number and name, and for
 * phones the owner and ring time. Resolves with the saved extension, or null when cancelled.
 */
export async function saveExtension(context, ext, kind) {
  const { tenant, notify } = context;
  const users = kind === 'phone' ? await listAll(`/tenants/${tenant}/users`) : [];
  const content = h('div', { class: 'fields' },
    kind === 'phone' ? field('ownerId', t('extensions.owner'), h('select', {}, users.map((u) =>
      h('option', { value: u.id, selected: u.id === ext?.ownerId }, `${u.firstName} ${u.lastName}`.trim() || u.username)))) : null,
    field('number', t('extensions.col.number'), h('input', { inputmode: 'numeric', maxlength: 4, value: ext?.number ?? '' })),
    field('name', t('extensions.col.name'), h('input', { value: ext?.name ?? '' })),
    kind === 'phone' ? field('ringSeconds', t('extensions.ringSeconds'), h('input', { type: 'number', min: 5, max: 300, value: ext?.ringSeconds ?? 20 })) : null);
  const get = (k) => content.querySelector(`#f-${k}`);
  const body = () => ({
    number: get('number').value.trim(), name: get('name').value.trim(),
    ...(kind === 'phone' ? { ownerId: get('ownerId').value, ringSeconds: Number(get('ringSeconds').value) } : {}),
  });
  const title = ext ? t('extensions.edit', { number: ext.number }) : t(kind === 'ivr' ? 'ivrs.new' : 'extensions.new');
  const saved = await dialog(title, content, {
    onSubmit: async () => (ext
      ? await api('PATCH', `/tenants/${tenant}/extensions/${ext.id}`, body(), { etag: `"${ext.version}"` })
      : await api('POST', `/tenants/${tenant}/extensions`, { kind, ...body() })).data,
  });
  if (saved && ext) notify(t('extensions.saved', { number: saved.number }));
  return saved;
}

/** Deletes an extension after asking; the API refuses while calls are routed to it. */
export async function deleteExtension(context, ext) {
  const done = await confirmAction(t('extensions.confirmDelete', { number: ext.number }), () => api('DELETE', `/tenants/${context.tenant}/extensions/${ext.id}`));
  if (done) context.notify(t('extensions.deleted', { number: ext.number }));
  return done;
}
