// What a person reads on a page, for the translation specs (no English left on a German page):
// every visible element's own text, and the labelling attributes a screen reader speaks.
import type { Page } from '@playwright/test';

/** One entry per element's own text and per placeholder/alt/aria-label; `skip`: a selector whose text is data, not page text. */
export function visibleTexts(page: Page, skip: string): Promise<string[]> {
  return page.evaluate((skipSelector) => {
    const texts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = (node.nodeValue ?? '').replace(/\s+/g, ' ').trim();
      if (!parent || parent.closest(skipSelector)) continue;
      if (text && parent.getClientRects().length > 0 && getComputedStyle(parent).visibility !== 'hidden') texts.push(text);
    }
    for (const element of document.querySelectorAll('[placeholder], [alt], [aria-label]')) {
      for (const name of ['placeholder', 'alt', 'aria-label']) if (element.getAttribute(name)) texts.push(element.getAttribute(name)!);
    }
    return texts;
  }, skip);
}
