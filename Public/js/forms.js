import { h } from './dom.js';
import { t } from './i18n.js';

/** A labelled field whose error (from the API's problem+json) shows next to it. */
export function field(name, label, input) {
  input.id = `f-${name}`;
  input.name = name;
  const error = h('p', { class: 'field-error', id: `e-${name}`, role: 'alert' });
  input.setAttribute('aria-describedby', error.id);
  return h('div', { class: 'field', dataset: { field: name } }, h('label', { for: input.id }, label), input.filterBox, input, error);
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll('.field-error, .form-error')) node.textContent = '';
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
}

/** The enclosing field of a nested one: `a[1].b.c` → `a[1].b` → `a[1]` → `a` → ''. */
const parent = (name) => {
  const up = name.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
  return up === name ? '' : up;
};

export function showErrors(form, error) {
  clearErrors(form);
  const fields = error.fields || {};
  const unplaced = [];
  let first = null;
  for (const [name, message] of Object.entries(fields)) {
    // `actions[1].then[0].url` shows at the closest slot there is: the field, its action, the list.
    let at = name;
    while (at && !form.querySelector(`#e-${CSS.escape(at)}`)) at = parent(at);
    if (!at) { unplaced.push(`${name}: ${message}`); continue; }
    const slot = form.querySelector(`#e-${CSS.escape(at)}`);
    const text = at === name ? message : `${name.slice(at.length).replace(/^\./, '')}: ${message}`;
    slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    const input = form.querySelector(`#f-${CSS.escape(at)}`);
    if (input) { input.setAttribute('aria-invalid', 'true'); first ??= input; }
  }
  const general = form.querySelector('.form-error');
  if (general) {
    general.textContent = error.status === 412 ? t('common.conflict')
      : Object.keys(fields).length ? unplaced.join(' ') : t('common.error', { detail: error.message });
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

/**
 * Asks before something that cannot be undone; resolves with what `onSubmit` returns (its
 * error, such as "still in use", shows in the dialog), or null when cancelled.
 */
export function confirmAction(question, onSubmit, action = t('common.delete')) {
  return dialog(action, h('p', {}, question), { submitLabel: action, danger: true, onSubmit });
}

/**
 * A long choice (more than 15 options) gets a filter box before it: typing hides the options
 * that do not contain the text and picks the first one left.
 */
export function filterable(select) {
  if (select.options.length <= 15) return select;
  const box = h('input', { type: 'search', class: 'filter', 'aria-label': t('common.filter'), placeholder: t('common.filter') });
  box.addEventListener('input', () => {
    const text = box.value.trim().toLowerCase();
    for (const option of select.options) option.hidden = text !== '' && !option.textContent.toLowerCase().includes(text);
    const first = [...select.options].find((option) => !option.hidden);
    if (first && select.selectedOptions[0]?.hidden) {
      select.value = first.value;
      select.dispatchEvent(new Event('change'));
    }
  });
  select.filterBox = box; // field() puts it between the label and the choice
  return select;
}
