// Accessibility audits folded into the specs: axe-core (through @axe-core/playwright) checks the
// page a test already has open, and a serious or critical violation fails the test with the rule
// and the elements it found. Minor and moderate findings are left to people.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** Audits `page` as it is now (WCAG 2.0/2.1 A and AA rules); `label` names the screen in failures. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect(serious, `accessibility of ${label}`).toEqual([]);
}

/**
 * Move the keyboard focus to the element with data-testid `testid` the way a keyboard user does:
 * Tab presses only (no click, no focus() call). Fails when it is not reached in `max` presses, i.e.
 * when it is not in the tab order.
 */
export async function tabTo(page: Page, testid: string, max = 40): Promise<void> {
  const focused = () => page.evaluate((id) => (document.activeElement as HTMLElement | null)?.dataset?.testid === id, testid);
  for (let presses = 0; presses < max; presses++) {
    if (await focused()) return;
    await page.keyboard.press('Tab');
  }
  if (!(await focused())) throw new Error(`${testid} did not get the keyboard focus in ${max} Tab presses`);
}
