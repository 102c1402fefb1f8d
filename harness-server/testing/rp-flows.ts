// Test-only: an RP on `fastify.inject` with a controllable clock, and the user flows the
// tests compose (sign up, verify the email from the outbox, enrol an authenticator app, add
// a key, sign in). Codes come from otplib and keys from the project's software authenticator.
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { generate } from 'otplib';
import type { DestinationStream } from 'pino';
import type { Authenticator } from '../../shared/authenticator/index.ts';
import { buildServers, type Servers } from '../app.ts';
import { testConfig, TestBrowser, type HttpResult } from './servers.ts';
import type { OtpParams } from '../rp/crypto/otp.ts';
import type { CredentialKind } from '../rp/db/credentials.ts';
import type { Store } from '../rp/db/store.ts';
import type { RpSettings } from '../rp/settings.ts';
import { createCredential, getAssertion } from './webauthn-client.ts';

export const ORIGIN = 'http://localhost:8787';
export const PASSWORD = 'correct horse battery staple 42';
/** Cheap scrypt for tests; the format and code path are the production ones. */
export const FAST_SCRYPT = { log2N: 10, r: 8, p: 1 };
/** Mid-way through a 30 s step, so ±1 step of drift is unambiguous. */
const START = 1_900_000_005_000;

export class Clock {
  now = START;
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface TestRp {
  servers: Servers;
  store: Store;
  clock: Clock;
  browser(ip?: string): TestBrowser;
  close(): Promise<void>;
}

/** A fresh RP on an in-memory database; `env` as in the environment (QA switches, limits). */
export async function startRp(
  env: Record<string, string> = {},
  overrides: Partial<RpSettings> = {},
  logStream?: DestinationStream,
): Promise<TestRp> {
  const clock = new Clock();
  const servers = await buildServers(testConfig(env), {
    rp: { now: () => clock.now, scrypt: FAST_SCRYPT, ...overrides },
    ...(logStream ? { logStream } : {}),
  });
  return {
    servers,
    store: servers.main.store,
    clock,
    browser: (ip) => new TestBrowser(servers.main, ip),
    close: async () => {
      await Promise.all([servers.main.close(), servers.phone.close()]);
    },
  };
}

export const errorOf = (result: HttpResult): string => (result.body as { error: string }).error;
export const codeOf = (result: HttpResult): string | undefined => (result.body as { code?: string }).code;

export async function signUp(browser: TestBrowser, username: string, password = PASSWORD): Promise<HttpResult> {
  return browser.post('/api/signup', { username, email: `${username}@example.com`, password });
}

/** The newest link in the newest message to `email` whose path starts with `path`. */
export function linkFromOutbox(store: Store, email: string, path: string): string {
  for (const message of store.outbox.list(email)) {
    const link = message.body.match(/https?:\/\/\S+/g)?.find((l) => new URL(l).pathname === path);
    if (link) return link;
  }
  throw new Error(`no ${path} link in the outbox of ${email}`);
}

export const tokenOf = (link: string): string => new URL(link).hash.replace(/^#token=/, '');

export async function verifyEmail(rp: TestRp, browser: TestBrowser, username: string): Promise<void> {
  const token = tokenOf(linkFromOutbox(rp.store, `${username}@example.com`, '/verify-email'));
  const result = await browser.post('/api/email/verify', { token });
  if (result.status !== 200) throw new Error(`email verification failed: ${JSON.stringify(result.body)}`);
}

/** Signed up, email verified, signed in. */
export async function verifiedUser(rp: TestRp, username: string, ip?: string): Promise<TestBrowser> {
  const browser = rp.browser(ip);
  const result = await signUp(browser, username);
  if (result.status !== 200) throw new Error(`sign-up failed: ${JSON.stringify(result.body)}`);
  await verifyEmail(rp, browser, username);
  return browser;
}

export interface OtpEnrolment {
  secret: string;
  params: OtpParams;
  backupCodes: string[] | null;
}

export function otpCode(secret: string, params: OtpParams, epochMs: number, counter = 0): Promise<string> {
  return params.kind === 'hotp'
    ? generate({ strategy: 'hotp', secret, counter, algorithm: params.algorithm, digits: params.digits })
    : generate({ secret, epoch: Math.floor(epochMs / 1000), algorithm: params.algorithm, digits: params.digits, period: params.period });
}

export async function enrolOtp(rp: TestRp, browser: TestBrowser, kind: 'totp' | 'hotp' = 'totp'): Promise<OtpEnrolment> {
  const setup = await browser.post<OtpParams & { secret: string }>('/api/otp/setup', { password: PASSWORD, kind });
  if (setup.status !== 200) throw new Error(`otp setup failed: ${JSON.stringify(setup.body)}`);
  const { secret, algorithm, digits, period } = setup.body;
  const params: OtpParams = { kind, algorithm, digits, period };
  const confirm = await browser.post<{ backupCodes: string[] | null }>('/api/otp/confirm', { code: await otpCode(secret, params, rp.clock.now) });
  if (confirm.status !== 200) throw new Error(`otp confirm failed: ${JSON.stringify(confirm.body)}`);
  return { secret, params, backupCodes: confirm.body.backupCodes };
}

export async function addKey(
  browser: TestBrowser,
  authenticator: Authenticator,
  kind: CredentialKind = 'security-key',
  name = 'My key',
): Promise<HttpResult<{ key: { id: string }; backupCodes: string[] | null }>> {
  const options = await browser.post<PublicKeyCredentialCreationOptionsJSON>('/api/keys/options', { password: PASSWORD, kind });
  if (options.status !== 200) throw new Error(`key options failed: ${JSON.stringify(options.body)}`);
  const credential = await createCredential(authenticator, options.body, ORIGIN);
  return browser.post('/api/keys/verify', { name, credential });
}

export async function signInPassword(browser: TestBrowser, username: string, password = PASSWORD): Promise<HttpResult<{ status: string }>> {
  return browser.post('/api/signin/password', { username, password });
}

/** Options from `optionsPath`, an assertion from the authenticator (optionally altered). */
export async function assertWith(
  browser: TestBrowser,
  authenticator: Authenticator,
  optionsPath: string,
  alter: (options: PublicKeyCredentialRequestOptionsJSON) => PublicKeyCredentialRequestOptionsJSON = (o) => o,
  origin = ORIGIN,
  userVerified = true,
): Promise<AuthenticationResponseJSON> {
  const options = await browser.post<PublicKeyCredentialRequestOptionsJSON>(optionsPath);
  if (options.status !== 200) throw new Error(`${optionsPath} failed: ${JSON.stringify(options.body)}`);
  return getAssertion(authenticator, alter(options.body), origin, { userPresent: true, userVerified });
}
