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
