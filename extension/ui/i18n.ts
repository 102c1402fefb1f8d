// Every string the extension shows comes from _locales/<lang>/messages.json. Markup names its
// strings with data-i18n (text) and data-i18n-<attribute> (attributes); code calls t().
import browser from 'webextension-polyfill';
import { t } from '../translate.ts';

export { t };

export function localize(root: ParentNode = document): void {
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('*'))) {
    for (const { name, value } of Array.from(el.attributes)) {
      if (name === 'data-i18n') el.textContent = t(value);
      else if (name.startsWith('data-i18n-')) el.setAttribute(name.slice('data-i18n-'.length), t(value));
    }
  }
  document.documentElement.lang = browser.i18n.getUILanguage();
}

/** An element with text set safely (never innerHTML: phone names and origins come from outside). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { text?: string; testid?: string; className?: string; attrs?: Record<string, string> } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.testid) node.dataset.testid = props.testid;
  if (props.className) node.className = props.className;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

export function button(text: string, testid: string, onClick: () => void, className = ''): HTMLButtonElement {
  const b = el('button', { text, testid, className, attrs: { type: 'button' } });
  b.addEventListener('click', onClick);
  return b;
}
