// Calibration made exact (issue 17): with each QA switch of the bundled relying party off, every
// check that runs passes except exactly the one that targets that protection, which fails with a
// finding (not a broken flow).
//
// One process, one Chromium with the extension, one phone paired once over the relay of an
// all-on server; each switch gets its own relying party (the site under test) on free ports, and
// the checks run in-process through the runner the CLI uses. Starting a browser and pairing per
// switch (eight CLI runs) cost most of the old test's time, and under CI load a launch that timed
// out in the pairing popup was the exit 2 seen once on `challenge-expiry`.
//
// `npm run test:qa:calibration` runs every check under every switch: "exactly one fails". It is not
// in `npm test` (minutes of checks); PAIRKEY_QA_CALIBRATION=pairs runs, per switch, the matching
// check and two others (a different pair each time, so every check is run beside some switch).
// cli-calibration-switches.test.ts keeps CI's per-switch CLI runs until this replaces it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTECTIONS, QA_SWITCHES, type Protection } from '../../harness-server/config.ts';
import { CHECKS, CHECK_IDS } from '../../qa/checks/index.ts';
import { launchPairkeyChromium, type PairkeyChromium } from '../../qa/fixtures/chromium.ts';
import { loadProfile } from '../../qa/profile/load.ts';
import { runChecks } from '../../qa/runner.ts';
import { siblingOrigin } from '../../qa/sibling-server.ts';
import type { CheckResult } from '../../qa/report/types.ts';
import { calibrationProfile, CATCHES, startRp, type Rp } from './cli-harness.ts';


const FULL = process.env.PAIRKEY_QA_CALIBRATION !== 'pairs';

/** The checks that are no switch's catcher, each run next to some switch in the CI subset. */
const OTHERS = CHECK_IDS.filter((id) => !Object.values(CATCHES).includes(id));

function checksFor(protection: Protection, index: number): string[] {
  if (FULL) return [...CHECK_IDS];
  const pick = [OTHERS[(2 * index) % OTHERS.length]!, OTHERS[(2 * index + 1) % OTHERS.length]!];
  return CHECK_IDS.filter((id) => id === CATCHES[protection] || pick.includes(id));
}

const dir = mkdtempSync(join(tmpdir(), 'pairkey-qa-calibration-'));
const profile = loadProfile(calibrationProfile(dir));
let relay: Rp;
let browser: PairkeyChromium;
const sibling = siblingOrigin(undefined);

beforeAll(async () => {
  // The relay the extension and the phone meet on, with everything on; the sites come and go.
  relay = await startRp();
  browser = await launchPairkeyChromium({ relayUrl: relay.url, phoneAppUrl: relay.phoneUrl });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await relay?.close();
  await sibling.close();
  rmSync(dir, { recursive: true, force: true });
});

it('maps every QA switch of the relying party to its own check', () => {
  expect(Object.keys(CATCHES).sort()).toEqual([...PROTECTIONS].sort());
  expect(new Set(Object.values(CATCHES)).size).toBe(PROTECTIONS.length);
  for (const check of Object.values(CATCHES)) expect(CHECK_IDS).toContain(check);
  // Between them, the CI subsets run every other check beside some switch.
  expect(new Set(PROTECTIONS.flatMap((p, i) => checksFor(p, i)))).toEqual(new Set(CHECK_IDS));
});

async function runAgainst(site: Rp, ids: string[]): Promise<CheckResult[]> {
  // Every site is on localhost, and cookies do not tell ports apart: start each clean.
  await browser.context.clearCookies();
  const result = await runChecks({
    profile,
    profileFile: 'calibration.yaml',
    site: new URL(site.url),
    checks: CHECKS.filter((c) => ids.includes(c.id)),
    session: { driver: browser.driver, phone: browser.phone },
    timeoutMs: 20_000,
    progress: { checkStarted: () => {}, stepFinished: () => {}, checkFinished: () => {} },
    siblingOrigin: sibling.url,
  });
  return result.checks;
}

/** Each check's status, with a failure's kind and message, for one readable assertion. */
const summary = (checks: CheckResult[]) =>
  Object.fromEntries(checks.map((c) => [c.id, c.status === 'failed' ? `${c.status} (${c.kind}): ${c.message}` : c.status]));

describe.each(PROTECTIONS.map((protection, index) => [protection, CATCHES[protection], checksFor(protection, index)] as const))(
  'with %s off',
  (protection, catcher, ids) => {
    it(`exactly ${catcher} fails, with a finding; ${ids.length - 1} other check(s) pass`, async () => {
      const site = await startRp([protection]);
      let checks: CheckResult[];
      try {
        const info = (await (await fetch(`${site.url}/api/server-info`)).json()) as { insecure: string[] };
        expect(info.insecure).toEqual([QA_SWITCHES[protection]]);
        checks = await runAgainst(site, ids);
      } finally {
        await site.close();
      }
      const seen = summary(checks);
      expect(checks.map((c) => c.id), JSON.stringify(seen, null, 2)).toEqual(ids);
      const failed = checks.filter((c) => c.status !== 'passed');
      expect(failed.map((c) => c.id), JSON.stringify(seen, null, 2)).toEqual([catcher]);
      const caught = failed[0]!;
      expect(caught.status === 'failed' && caught.kind, JSON.stringify(seen, null, 2)).toBe('finding');
      expect(caught.status === 'failed' && caught.message).toMatch(/^The site accepted|signed in at once/);
    }, FULL ? 1_800_000 : 600_000);
  },
);
