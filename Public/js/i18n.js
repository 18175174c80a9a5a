// Every string the app shows comes from Resources/locales/<language>.json.
let strings = {};
let current = 'es';
export const languages = ['es', 'en'];

export async function useLanguage(language) {
  const chosen = languages.includes(language) ? language : 'es';
  const response = await fetch(new URL(`../locales/${chosen}.json`, import.meta.url));
  strings = await response.json();
  current = chosen;
  document.documentElement.lang = chosen;
}

export function language() { return current; }

/** The string for `key` with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

/** A moment in the tenant's time zone, in the app's language ('—' when there is none). */
export function dateTime(iso, timeZone, timeStyle = 'short') {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(current === 'es' ? 'es-ES' : 'en-GB', { dateStyle: 'short', timeStyle, timeZone }).format(new Date(iso));
}
