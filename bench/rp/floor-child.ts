// The in-process floors (floor.ts) in a process of their own, so that nothing else the runner has
// loaded (Playwright, other suites' state) shares their event loop or their heap.
import { serveParent } from '../lib/serve-parent.ts';
import { hotpBaseline, totpFloor, totpFloors, webauthnFloor } from './floor.ts';

serveParent({
  webauthn: (p) => {
    const { count, concurrency } = p as { count: number; concurrency: number };
    return webauthnFloor(count, concurrency);
  },
  totp: (p) => totpFloors((p as { count: number }).count),
  'totp-rp': (p) => totpFloor((p as { count: number }).count),
  hotp: (p) => hotpBaseline((p as { count: number }).count),
});
