import { h } from './dom.js';
import { t } from './i18n.js';

/** A labelled field whose error (from the API's problem+json) shows next to it. */
export function field(name, label, input) {
  input.id = `f-${name}`;
  input.name = name;
  const error = h('p', { class: 'field-error', id: `e-${name}`, role: 'alert' });
  input.setAttribute('aria-describedby', error.id);
  return h('div', { class: 'field', dataset: { field: name } }, h('label', { for: input.id }, label), input, error);
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll('.field-error, .form-error')) node.textContent = '';
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
}

export function showErrors(form, error) {
  clearErrors(form);
  const fields = error.fields || {};
  let first = null;
  for (const [name, message] of Object.entries(fields)) {
    const slot = form.querySelector(`#e-${CSS.escape(name)}`);
    const input = form.querySelector(`#f-${CSS.escape(name)}`);
    if (slot) slot.textContent = message;
    if (input) { input.setAttribute('aria-invalid', 'true'); first ??= input; }
  }
  const general = form.querySelector('.form-error');
  if (general) {
    general.textContent = error.status === 412 ? t('common.conflict')
      : Object.keys(fields).length ? '' : t('common.error', { detail: error.message });
  }
  first?.focus();
}

/** A modal dialog; resolves with what `onSubmit` returns, or null when cancelled. */
export function dialog(title, content, { submitLabel, onSubmit, danger = false, cancel = true } = {}) {
  return new Promise((resolve) => {
    const general = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { method: 'dialog', novalidate: true },
      h('h2', {}, title), content, general,
      h('div', { class: 'buttons' },
        cancel ? h('button', { type: 'button', class: 'secondary', onclick: () => { node.close(); resolve(null); } }, t('common.cancel')) : null,
        h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, submitLabel ?? t('common.save'))));
    const node = h('dialog', { 'aria-label': title }, form);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        const result = await onSubmit(form);
        node.close();
        resolve(result ?? true);
      } catch (error) {
        showErrors(form, error);
      } finally {
        button.disabled = false;
      }
    });
    node.addEventListener('close', () => { node.remove(); resolve(null); });
    document.body.append(node);
    node.showModal();
  });
}
