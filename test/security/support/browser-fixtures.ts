// Browser fixtures of the security and fault suites, on top of the e2e ones (test/e2e/fixtures.ts:
// Chromium with the built extension, its popup, the pairkey-phone CLI). Those point the extension
// and the phone at PAIRKEY_E2E_PORT; here that port is served by what the test controls:
//   - `mitm`: a recording man-in-the-middle in front of the real relay (security suite);
//   - `relayProcess`: the real relay in a child process the test can SIGKILL (fault suite).
// A test uses exactly one of them, and lists it first among its fixtures: the popup connects to
// the relay while it loads, so the relay must be up before it.
import { test as e2e, expect } from '../../e2e/fixtures.ts';
import { E2E_PORT } from '../../../playwright.config.ts';
import { CeremonySite } from './ceremony-site.ts';
import { MitmRelay, type CapturedFrame } from './mitm-relay.ts';
import { RelayProcess } from './relay-process.ts';
import { startRelay, type RunningRelay } from './relay-server.ts';

interface SecurityFixtures {
  relay: RunningRelay;
  /** Not `proxy`: Playwright reserves that name for its own browser proxy option. */
  mitm: MitmRelay;
  relayProcess: RelayProcess;
  site: CeremonySite;
}

export const test = e2e.extend<SecurityFixtures>({
  relay: async ({}, use) => {
    const relay = await startRelay();
    await use(relay);
    await relay.close();
  },
  mitm: async ({ relay }, use) => {
    const mitm = await MitmRelay.start(relay.url, E2E_PORT);
    await use(mitm);
    await mitm.close();
  },
  relayProcess: async ({}, use) => {
    const relay = new RelayProcess(E2E_PORT);
    await relay.start();
    await use(relay);
    await relay.kill();
  },
  site: async ({}, use) => {
    const site = await CeremonySite.start();
    await use(site);
    await site.close();
  },
});

export { expect };

/** The connections a phone used: the ones that sent a handshake-init (the phone always initiates). */
export function phoneConnections(frames: readonly CapturedFrame[]): Set<CapturedFrame['connection']> {
  return new Set(frames.filter((f) => f.direction === 'to-relay' && f.binary && f.data[0] === 0x01).map((f) => f.connection));
}
