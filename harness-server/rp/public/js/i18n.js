// The pages' language: English as written in the pages and scripts, or a catalog from /i18n/
// (message catalogs as data, keyed by the English text) for the first of the browser's
// languages that has one. Missing entries fall back to English, so a new string never breaks a
// page; test/e2e/rp-screens.spec.ts renders the pages in German and finds no English left.

/** Languages with a catalog in /i18n/<lang>.json; English is the pages' own text. */
export const LANGUAGES = ['en', 'de'];

function pickLanguage() {
  const wanted = new URLSearchParams(location.search).get('lang');
  for (const tag of [wanted, ...(navigator.languages ?? [navigator.language])]) {
    const primary = (tag ?? '').toLowerCase().split('-')[0];
    if (LANGUAGES.includes(primary)) return primary;
  }
  return 'en';
}

export const language = pickLanguage();

async function loadCatalog() {
  if (language === 'en') return {};
  try {
    const response = await fetch(`/i18n/${language}.json`);
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}

const catalog = await loadCatalog();
const normalise = (text) => text.replace(/\s+/g, ' ').trim();

/** `text` (English, with `{name}` placeholders) in the page's language, placeholders filled. */
export function t(text, params = {}) {
  const template = catalog[text] ?? text;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Has the catalog an entry for this English text? (Server messages are translated only then.) */
export const hasTranslation = (text) => typeof catalog[normalise(text)] === 'string';

const ATTRIBUTES = ['alt', 'placeholder', 'title', 'aria-label'];

/** Translates the static text of `root` (text nodes and a few attributes) in place. */
export function translateTree(root) {
  if (language === 'en') return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const key = normalise(node.nodeValue);
    if (!key || typeof catalog[key] !== 'string') continue;
    // Keep the spaces around the text: they separate it from inline neighbours.
    const lead = /^\s/.test(node.nodeValue) ? ' ' : '';
    const trail = /\s$/.test(node.nodeValue) ? ' ' : '';
    node.nodeValue = lead + catalog[key] + trail;
  }
  for (const element of root.querySelectorAll('*')) {
    for (const attribute of ATTRIBUTES) {
      const value = element.getAttribute(attribute);
      if (value && typeof catalog[normalise(value)] === 'string') element.setAttribute(attribute, catalog[normalise(value)]);
    }
  }
}

/** The whole document: its language, title and static text. */
export function translateDocument() {
  document.documentElement.lang = language;
  if (language === 'en') return;
  const title = normalise(document.title);
  // Titles read "Page — Site": each half is its own entry.
  document.title = title.split(' — ').map((part) => (typeof catalog[part] === 'string' ? catalog[part] : part)).join(' — ');
  translateTree(document.body);
}

// Dates follow the page's language; in English, the browser's own English (en-GB, en-US…).
const locale = language === 'en' && /^en\b/i.test(navigator.language) ? navigator.language : language;
/** A time of day in the page's language, e.g. "12:41". */
export const formatClock = (date) => new Date(date).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
/** Date and time in the page's language. */
export const formatDateTime = (date) => new Date(date).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
