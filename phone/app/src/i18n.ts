// The phone app's language: English as written in index.html and the views, or a catalog from
// i18n/ (data, keyed by the English text, bundled so the app works offline) for the first of the
// browser's languages that has one. A missing entry falls back to English, so a new string never
// breaks a screen; test/e2e/phone-app-german.spec.ts renders the app in German and finds no
// English left. The service worker uses the same catalogs for its notification text.
import de from './i18n/de.json' with { type: 'json' };

type Catalog = Readonly<Record<string, string>>;

/** Languages with a catalog; English is the app's own text. */
const CATALOGS: Readonly<Record<string, Catalog>> = { de };

function pickLanguage(): string {
  const nav = (globalThis as { navigator?: { languages?: readonly string[]; language?: string } }).navigator;
  for (const tag of nav?.languages?.length ? nav.languages : [nav?.language ?? 'en']) {
    const primary = tag.toLowerCase().split('-')[0] ?? '';
    if (primary === 'en') return 'en';
    if (primary in CATALOGS) return primary;
  }
  return 'en';
}

export const language = pickLanguage();
const catalog: Catalog = CATALOGS[language] ?? {};
const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** `text` (English, with `{name}` placeholders) in the app's language, placeholders filled. */
export function t(text: string, params: Readonly<Record<string, string | number>> = {}): string {
  const template = catalog[text] ?? text;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

const ATTRIBUTES = ['alt', 'placeholder', 'title', 'aria-label'] as const;

/** Translates the static text of `root` (text nodes and a few attributes) in place. */
export function translateTree(root: Element): void {
  if (language === 'en') return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const value = node.nodeValue ?? '';
    const translated = catalog[normalise(value)];
    if (translated === undefined) continue;
    // Keep the spaces around the text: they separate it from inline neighbours.
    node.nodeValue = (/^\s/.test(value) ? ' ' : '') + translated + (/\s$/.test(value) ? ' ' : '');
  }
  for (const element of root.querySelectorAll('*')) {
    for (const attribute of ATTRIBUTES) {
      const value = element.getAttribute(attribute);
      const translated = value ? catalog[normalise(value)] : undefined;
      if (translated !== undefined) element.setAttribute(attribute, translated);
    }
  }
}

/** The whole document: its language, title and static text. */
export function translateDocument(): void {
  document.documentElement.lang = language;
  if (language === 'en') return;
  document.title = t(normalise(document.title));
  translateTree(document.body);
}

/** Dates and times follow the app's language (in English, the browser's own English). */
export const locale: string | undefined = language === 'en' ? undefined : language;
