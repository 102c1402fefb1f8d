// Test builds only (`__PAIRKEY_TEST_HOOKS__`, false in the build people load and the store build,
// where this module is dropped and the build checks that no hook string is left):
//   - forwards a test page's hook to the background (open an extension page in a tab: Firefox
//     refuses to navigate a tab to moz-extension:// from automation; shorten the pairing code's life;
//     drop every ceremony);
//   - `storageProbe`: tries to read and write storage.local from this content script and reports
//     what it saw. WebDriver BiDi gives tests no handle on Firefox's content-script world, so the
//     Firefox test of issue 20 (content scripts must not reach the extension's state) runs its
//     attack through here; in Chromium the same attack runs in this world through DevTools.
import { runtime } from './runtime.ts';

type Area = { get: (keys: null) => Promise<Record<string, unknown>>; set: (items: Record<string, unknown>) => Promise<void> };
type Outcome = { ok: true; value?: unknown } | { ok: false; error: string };

const settle = (run: () => Promise<unknown>): Promise<Outcome> =>
  run().then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error: String((error as Error | null)?.message ?? error) }),
  );

async function storageProbe(write: Record<string, unknown>): Promise<{ read: Outcome; write: Outcome }> {
  const scope = globalThis as { browser?: { storage?: { local?: Area } }; chrome?: { storage?: { local?: Area } } };
  const local = (scope.browser ?? scope.chrome)?.storage?.local;
  if (!local) return { read: { ok: false, error: 'no storage.local' }, write: { ok: false, error: 'no storage.local' } };
  return { read: await settle(() => local.get(null)), write: await settle(() => local.set(write)) };
}

export function installTestHooks(): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { pairkeyTest?: unknown } | null;
    if (event.source !== window || !data || typeof data.pairkeyTest !== 'object' || data.pairkeyTest === null) return;
    // A copy in this world: Firefox cannot send the page's own object (an Xray wrapper).
    const hook = JSON.parse(JSON.stringify(data.pairkeyTest)) as { storageProbe?: { write?: Record<string, unknown> } };
    if (hook.storageProbe) {
      void storageProbe(hook.storageProbe.write ?? {}).then((probe) =>
        window.postMessage({ pairkeyTestDone: true, storageProbe: JSON.parse(JSON.stringify(probe)) as unknown }, location.origin),
      );
      return;
    }
    const done = () => window.postMessage({ pairkeyTestDone: true }, location.origin);
    void runtime.sendMessage({ type: 'test/hook', hook }).then(done, done);
  });
}
