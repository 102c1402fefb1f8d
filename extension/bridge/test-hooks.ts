// Test builds only (`__PAIRKEY_TEST_HOOKS__`, false in the store build, where this module is dropped):
// lets an end-to-end test page ask the background to open an extension page in a tab. Firefox
// refuses to navigate a tab to moz-extension:// from automation, so tests go through here.
import { runtime } from './runtime.ts';

export function installTestHooks(): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { pairkeyTest?: unknown } | null;
    if (event.source !== window || !data || typeof data.pairkeyTest !== 'object' || data.pairkeyTest === null) return;
    // A copy in this world: Firefox cannot send the page's own object (an Xray wrapper).
    const hook: unknown = JSON.parse(JSON.stringify(data.pairkeyTest));
    const done = () => window.postMessage({ pairkeyTestDone: true }, location.origin);
    void runtime.sendMessage({ type: 'test/hook', hook }).then(done, done);
  });
}
