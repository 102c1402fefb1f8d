// The bundled relying party's passkey journey, driven like a browser would, with the project's
// software authenticator as the passkey (real P-256 signatures, real attestation objects): sign up
// with a password, verify the email from the dev outbox, add a passkey, then sign in with it
// alone. One place to adapt when the RP's routes change; everything goes through the RP's own
// TestBrowser (fastify.inject for an app, fetch for a server in another process; CSRF header
// included), so the flows work against both.
import { generate } from 'otplib';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Authenticator } from '../../../shared/authenticator/index.ts';
import { createCredential, getAssertion, softwareAuthenticator } from '../../../harness-server/testing/webauthn-client.ts';
import type { HttpResult, TestBrowser } from '../../../harness-server/testing/servers.ts';

/** The RP origin testConfig() uses (PUBLIC_URL http://localhost:8787). */
export const TEST_RP_ORIGIN = 'http://localhost:8787';
export const TEST_PASSWORD = 'correct horse battery staple 42';

/** Settings that keep a long run of one client within the per-IP limits (and scrypt cheap in process). */
export const LOAD_ENV = { RATE_LIMIT_PER_MINUTE: '10000' } as const;
export const FAST_SCRYPT = { log2N: 10, r: 8, p: 1 };

export interface PasskeyAccount {
  username: string;
  authenticator: Authenticator;
  credentialId: string;
  /** Every request body the journey sent: starting points for mutation. */
  bodies: unknown[];
}

function expectOk<T>(step: string, result: HttpResult<T>): T {
  if (result.status !== 200) throw new Error(`${step} answered ${result.status}: ${JSON.stringify(result.body)}`);
  return result.body;
}

/** The token of the newest verification link the dev outbox holds for `email`. */
async function verificationToken(browser: TestBrowser, email: string): Promise<string> {
  const { messages } = expectOk('GET /dev/outbox/messages', await browser.get<{ messages: { links: string[] }[] }>(`/dev/outbox/messages?to=${encodeURIComponent(email)}`));
  for (const message of messages) {
    const link = message.links.find((l) => new URL(l).pathname === '/verify-email');
    if (link) return new URL(link).hash.replace(/^#token=/, '');
  }
  throw new Error(`No verification link for ${email} in the outbox`);
}

/** A new account with a verified email and one passkey; the browser ends up signed in. */
export async function passkeyAccount(browser: TestBrowser, username: string, origin = TEST_RP_ORIGIN, authenticator = softwareAuthenticator()): Promise<PasskeyAccount> {
  const email = `${username}@example.com`;
  const signUp = { username, email, password: TEST_PASSWORD };
  expectOk('POST /api/signup', await browser.post('/api/signup', signUp));
  const verify = { token: await verificationToken(browser, email) };
  expectOk('POST /api/email/verify', await browser.post('/api/email/verify', verify));
  const keyOptions = { password: TEST_PASSWORD, kind: 'passkey' };
  const options = expectOk('POST /api/keys/options', await browser.post<PublicKeyCredentialCreationOptionsJSON>('/api/keys/options', keyOptions));
  const credential = await createCredential(authenticator, options, origin);
  const added = { name: 'Test passkey', credential };
  expectOk('POST /api/keys/verify', await browser.post('/api/keys/verify', added));
  return { username, authenticator, credentialId: credential.id, bodies: [signUp, verify, keyOptions, added, credential] };
}

/** Start a passkey sign-in and build (without sending) the assertion the authenticator gives. */
export async function passkeyAssertion(browser: TestBrowser, authenticator: Authenticator, origin = TEST_RP_ORIGIN): Promise<AuthenticationResponseJSON> {
  const options = expectOk('POST /api/passkey/options', await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/passkey/options'));
  return getAssertion(authenticator, options, origin);
}

export const PASSKEY_VERIFY = '/api/passkey/verify';

/** The code an authenticator app shows for `secret` at `epochMs` (the RP's default 6 digits / 30 s / SHA-1 unless given). */
export function totpCode(secret: string, epochMs: number, params: { algorithm?: 'sha1' | 'sha256' | 'sha512'; digits?: number; period?: number } = {}): Promise<string> {
  return generate({ secret, epoch: Math.floor(epochMs / 1000), algorithm: params.algorithm ?? 'sha1', digits: params.digits ?? 6, period: params.period ?? 30 });
}

export interface TotpAccount {
  username: string;
  secret: string;
  period: number;
  /** The time step the enrolment spent: a sign-in needs a later one. */
  enrolledStep: number;
}

/** A new account with a verified email and an authenticator app (TOTP), enrolled on the server's real clock. */
export async function totpAccount(browser: TestBrowser, username: string): Promise<TotpAccount> {
  await verifiedAccount(browser, username);
  const setup = expectOk('POST /api/otp/setup', await browser.post<{ secret: string; algorithm: 'sha1' | 'sha256' | 'sha512'; digits: number; period: number }>('/api/otp/setup', { password: TEST_PASSWORD, kind: 'totp' }));
  const now = Date.now();
  expectOk('POST /api/otp/confirm', await browser.post('/api/otp/confirm', { code: await totpCode(setup.secret, now, setup) }));
  return { username, secret: setup.secret, period: setup.period, enrolledStep: Math.floor(now / 1000 / setup.period) };
}

/** A new account with a verified email and a password only; the browser ends up signed in. */
export async function verifiedAccount(browser: TestBrowser, username: string): Promise<void> {
  const email = `${username}@example.com`;
  expectOk('POST /api/signup', await browser.post('/api/signup', { username, email, password: TEST_PASSWORD }));
  expectOk('POST /api/email/verify', await browser.post('/api/email/verify', { token: await verificationToken(browser, email) }));
}
