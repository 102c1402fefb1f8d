// Test builds only (`__PAIRKEY_TEST_HOOKS__`; the store build drops this module): what end-to-end
// tests need and cannot do through a real person. Reached from a test page through the bridge.
import browser from 'webextension-polyfill';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { setOfferTtlForTests } from './pairing.ts';

const PAGES = ['extension/ui/popup.html', 'extension/ui/options.html'] as const;

// Built on first use, not at load: a store build then drops this whole module.
const testHookSchema = () => Type.Object({
  type: Type.Literal('test/hook'),
  hook: Type.Union([
    /** Open an extension page in a tab (Firefox automation cannot navigate to moz-extension:). */
    Type.Object({ open: Type.Union(PAGES.map((p) => Type.Literal(p))) }),
    /** Make pairing offers expire sooner. */
    Type.Object({ offerTtlMs: Type.Integer({ minimum: 1000, maximum: 120_000 }) }),
    /** Hang up every ceremony port, as the browser does when it stops the background mid-ceremony. */
    Type.Object({ dropCeremonies: Type.Literal(true) }),
  ]),
});

export interface TestHookActions {
  dropCeremonies: () => void;
}

export function handleTestHook(raw: unknown, actions: TestHookActions): Promise<true> | undefined {
  if (!Value.Check(testHookSchema(), raw)) return undefined;
  const hook = raw.hook;
  if ('open' in hook) return browser.tabs.create({ url: browser.runtime.getURL(hook.open) }).then(() => true);
  if ('offerTtlMs' in hook) setOfferTtlForTests(hook.offerTtlMs);
  else actions.dropCeremonies();
  return Promise.resolve(true);
}
