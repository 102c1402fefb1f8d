// QA switches: for every protection, the attack it stops is attempted with the protection on
// (refused) and off (accepted), so a QA harness can calibrate against both. Off needs
// PAIRKEY_INSECURE_QA=1.
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, QA_SWITCHES, type Protection } from '../config.ts';
import { buildServers } from '../app.ts';
import { testConfig } from '../testing/servers.ts';
import { forgeAssertion, forgedCredential, forgeRegistration, softwareAuthenticator } from '../testing/webauthn-client.ts';
import {
  addKey,
  assertWith,
  enrolOtp,
  otpCode,
  ORIGIN,
  PASSWORD,
  signInPassword,
  startRp,
  verifiedUser,
  type TestRp,
} from '../testing/rp-flows.ts';

let rp: TestRp | undefined;
afterEach(async () => {
  await rp?.close();
  rp = undefined;
});

/** Starts an RP with one protection on or off, runs the attack, returns the final HTTP status. */
type Attack = (start: (env?: Record<string, string>) => Promise<TestRp>) => Promise<number>;

const ATTACKS: Record<Protection, { attack: string; refused: number; run: Attack }> = {
  totpReplayProtection: {
    attack: 'replay the enrolment code to sign in',
    refused: 401,
    run: async (start) => {
      const server = await start();
      const { secret, params } = await enrolOtp(server, await verifiedUser(server, 'alice'));
      const browser = server.browser();
      await signInPassword(browser, 'alice');
      return (await browser.post('/api/signin/otp', { code: await otpCode(secret, params, server.clock.now) })).status;
    },
  },
  rateLimiting: {
    attack: 'guess the password 6 times in a row, then use the right one',
    refused: 429,
    run: async (start) => {
      const server = await start();
      await verifiedUser(server, 'alice');
      for (let i = 0; i < 6; i++) await signInPassword(server.browser(), 'alice', `guess number ${i}`);
      return (await signInPassword(server.browser(), 'alice')).status;
    },
  },
  singleUseBackupCodes: {
    attack: 'sign in twice with one backup code',
    refused: 401,
    run: async (start) => {
      const server = await start();
      const { backupCodes } = await enrolOtp(server, await verifiedUser(server, 'alice'));
      let status = 0;
      for (let i = 0; i < 2; i++) {
        const browser = server.browser();
        await signInPassword(browser, 'alice');
        status = (await browser.post('/api/signin/backup-code', { code: backupCodes![0] })).status;
      }
      return status;
    },
  },
  challengeExpiry: {
    attack: 'answer a passkey challenge an hour after it was issued',
    refused: 400,
    run: async (start) => {
      const server = await start();
      const phone = softwareAuthenticator();
      await addKey(await verifiedUser(server, 'alice'), phone, 'passkey');
      const browser = server.browser();
      const assertion = await assertWith(browser, phone, '/api/passkey/options');
      server.clock.advance(60 * 60 * 1000);
      return (await browser.post('/api/passkey/verify', assertion)).status;
    },
  },
  signCountCheck: {
    attack: 'sign in with a cloned key whose counter went backwards',
    refused: 400,
    run: async (start) => {
      const server = await start();
      const setup = await verifiedUser(server, 'alice');
      const credential = forgedCredential();
      const options = await setup.post('/api/keys/options', { password: PASSWORD, kind: 'security-key' });
      await setup.post('/api/keys/verify', { name: 'Key', credential: await forgeRegistration(credential, options.body as never) });
      let status = 0;
      for (const signCount of [10, 4]) {
        const browser = server.browser();
        await signInPassword(browser, 'alice');
        const request = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/signin/key/options');
        status = (await browser.post('/api/signin/key/verify', await forgeAssertion(credential, request.body, { signCount }))).status;
      }
      return status;
    },
  },
  reauthBeforeDisable: {
    attack: 'turn 2FA off from a stolen session without password or second factor',
    refused: 401,
    run: async (start) => {
      const server = await start();
      const browser = await verifiedUser(server, 'alice');
      await enrolOtp(server, browser);
      return (await browser.post('/api/2fa/disable', {})).status;
    },
  },
  requireUserVerification: {
    attack: 'sign in with a passkey that did not verify the user',
    refused: 400,
    run: async (start) => {
      const server = await start();
      const phone = softwareAuthenticator();
      await addKey(await verifiedUser(server, 'alice'), phone, 'passkey');
      const browser = server.browser();
      const assertion = await assertWith(browser, phone, '/api/passkey/options', (o) => ({ ...o, userVerification: 'preferred' }), ORIGIN, false);
      return (await browser.post('/api/passkey/verify', assertion)).status;
    },
  },
  originCheck: {
    attack: 'relay a passkey assertion made for a phishing origin',
    refused: 400,
    run: async (start) => {
      const server = await start();
      const phone = softwareAuthenticator();
      await addKey(await verifiedUser(server, 'alice'), phone, 'passkey');
      const browser = server.browser();
      const assertion = await assertWith(browser, phone, '/api/passkey/options', (o) => o, 'https://pairkey-demo.evil.example');
      return (await browser.post('/api/passkey/verify', assertion)).status;
    },
  },
};

describe.each(Object.entries(ATTACKS) as [Protection, (typeof ATTACKS)[Protection]][])('%s', (protection, { attack, refused, run }) => {
  const variable = QA_SWITCHES[protection];

  it(`on (default): refuses to ${attack}`, async () => {
    expect(await run(async (env = {}) => (rp = await startRp(env)))).toBe(refused);
  });

  it(`${variable}=off: lets the attack through`, async () => {
    expect(await run(async (env = {}) => (rp = await startRp({ ...env, [variable]: 'off', PAIRKEY_INSECURE_QA: '1' })))).toBe(200);
  });
});

describe('the per-IP rate limit', () => {
  it('is part of QA_RATE_LIMITING', async () => {
    for (const [env, expected] of [
      [{}, 429],
      [{ QA_RATE_LIMITING: 'off', PAIRKEY_INSECURE_QA: '1' }, 401],
    ] as const) {
      rp = await startRp({ ...env, RATE_LIMIT_PER_MINUTE: '2' });
      const browser = rp.browser();
      let status = 0;
      for (let i = 0; i < 3; i++) status = (await signInPassword(browser, `user${i}`)).status;
      expect(status).toBe(expected);
      await rp.close();
      rp = undefined;
    }
  });
});

describe('starting with protections off', () => {
  it('is refused without PAIRKEY_INSECURE_QA=1', () => {
    expect(() => testConfig({ QA_ORIGIN_CHECK: 'off', QA_REQUIRE_UV: '0' })).toThrow(ConfigError);
    expect(() => testConfig({ QA_ORIGIN_CHECK: 'off', QA_REQUIRE_UV: '0' })).toThrow(
      'QA_REQUIRE_UV, QA_ORIGIN_CHECK turn a protection off: refusing to start without PAIRKEY_INSECURE_QA=1',
    );
    expect(() => testConfig({ QA_ORIGIN_CHECK: 'off', PAIRKEY_INSECURE_QA: 'yes' })).toThrow(ConfigError);
  });

  it('is refused by buildServers for a config edited by hand', async () => {
    const config = testConfig();
    await expect(buildServers({ ...config, protections: { ...config.protections, originCheck: false } })).rejects.toThrow(/QA_ORIGIN_CHECK off without PAIRKEY_INSECURE_QA=1/);
  });

  it('tells the pages which protections are off', async () => {
    rp = await startRp({ QA_SIGN_COUNT_CHECK: 'off', QA_RATE_LIMITING: 'off', PAIRKEY_INSECURE_QA: '1' });
    expect((await rp.browser().get('/api/server-info')).body).toEqual({
      rpName: 'Pairkey Demo',
      insecure: ['QA_RATE_LIMITING', 'QA_SIGN_COUNT_CHECK'],
      devOutbox: true,
      recoveryWait: '3 days',
    });
  });
});
