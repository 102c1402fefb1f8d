// In-process floors for the relying party: what one CPU core does when it only verifies, with no
// HTTP, no database and no event loop in between. HTTP throughput is reported against these.
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { base32 } from '@scure/base';
import { generate, generateSecret, verify } from 'otplib';
import { checkTotp } from '../../harness-server/rp/crypto/otp.ts';
import { createCredential, getAssertion, softwareAuthenticator } from '../../harness-server/testing/webauthn-client.ts';
import { now } from '../lib/clock.ts';

export const FLOOR_ORIGIN = 'http://localhost:23720';
const RP_ID = 'localhost';

export interface Throughput {
  count: number;
  perSecond: number;
  usPerOp: number;
  /**
   * Operations per second of this process's CPU time (all its threads): what it would do with a
   * core to itself, which wall-clock time on a shared machine does not say.
   */
  perCpuSecond: number;
}

/** Run `op` `count` times back to back (after a tenth as many to warm up) and time it. */
export async function timeLoop(count: number, op: (i: number) => unknown): Promise<Throughput> {
  for (let i = 0; i < Math.ceil(count / 10); i++) await op(i);
  const cpu = process.cpuUsage();
  const started = now();
  for (let i = 0; i < count; i++) await op(i);
  const seconds = (now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return { count, perSecond: count / seconds, usPerOp: (seconds * 1e6) / count, perCpuSecond: count / ((user + system) / 1e6) };
}

/** A passkey registered with an in-process verifier, ready to sign assertions. */
export async function floorPasskey(): Promise<{ sign: () => Promise<{ response: AuthenticationResponseJSON; challenge: string }>; credential: WebAuthnCredential }> {
  // Counter 'zero': assertions can be verified in any order, as concurrent HTTP requests are.
  const authenticator = softwareAuthenticator({ counter: 'zero' });
  const options = await generateRegistrationOptions({ rpName: 'Bench', rpID: RP_ID, userName: 'floor', attestationType: 'none' });
  const registration = await verifyRegistrationResponse({
    response: await createCredential(authenticator, options, FLOOR_ORIGIN),
    expectedChallenge: options.challenge,
    expectedOrigin: FLOOR_ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: false,
  });
  if (!registration.verified) throw new Error('registration did not verify');
  const credential = registration.registrationInfo.credential;
  return {
    credential,
    sign: async () => {
      const request = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
      return { response: await getAssertion(authenticator, request, FLOOR_ORIGIN), challenge: request.challenge };
    },
  };
}

/**
 * `verifyAuthenticationResponse` alone, over pre-signed assertions (each with its own
 * challenge), `concurrency` at a time: the library verifies signatures with WebCrypto, whose
 * work runs off the main thread, so one at a time measures latency and many at a time the
 * throughput a server handling concurrent requests could reach.
 */
export async function webauthnFloor(count: number, concurrency: number): Promise<Throughput> {
  const passkey = await floorPasskey();
  const signed: Awaited<ReturnType<typeof passkey.sign>>[] = [];
  const batches = Math.ceil(count / concurrency);
  for (let i = 0; i < Math.ceil(batches * 1.1) * concurrency; i++) signed.push(await passkey.sign());
  const verifyOne = async ({ response, challenge }: (typeof signed)[number]) => {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: FLOOR_ORIGIN,
      expectedRPID: RP_ID,
      credential: passkey.credential,
      requireUserVerification: false,
    });
    if (!result.verified) throw new Error('assertion did not verify');
  };
  const result = await timeLoop(batches, (b) => Promise.all(signed.slice(b * concurrency, (b + 1) * concurrency).map(verifyOne)));
  return {
    count: batches * concurrency,
    perSecond: result.perSecond * concurrency,
    usPerOp: result.usPerOp / concurrency,
    perCpuSecond: result.perCpuSecond * concurrency,
  };
}

/** The RP's TOTP policy (config defaults): SHA-1, 6 digits, 30 s steps, one step of drift. */
const PERIOD = 30;
const DRIFT_STEPS = 1;

/** Sums blocks of timeLoop results into one figure. */
function combine(parts: Throughput[]): Throughput {
  const count = parts.reduce((n, p) => n + p.count, 0);
  const seconds = parts.reduce((t, p) => t + p.count / p.perSecond, 0);
  const cpuSeconds = parts.reduce((t, p) => t + p.count / p.perCpuSecond, 0);
  return { count, perSecond: count / seconds, usPerOp: (seconds * 1e6) / count, perCpuSecond: count / cpuSeconds };
}

export interface TotpComparison {
  /** otplib `verify` with its defaults (HMAC in JavaScript), as the RP called it before. */
  otplib: Throughput;
  /** The RP's own check (`checkTotp`: otplib `verifySync` on node:crypto, shared guardrails). */
  rp: Throughput;
}

/** A TOTP code valid now, and the two ways of checking it the suite compares. */
async function totpChecks(): Promise<{ otplib: () => Promise<void>; rp: () => void }> {
  const secret = generateSecret({ length: 20 });
  const token = await generate({ secret, period: PERIOD });
  const params = { kind: 'totp', algorithm: 'sha1', digits: 6, period: PERIOD } as const;
  return {
    otplib: async () => {
      const result = await verify({ secret, token, period: PERIOD, epochTolerance: DRIFT_STEPS * PERIOD });
      if (!result.valid) throw new Error('TOTP code did not verify (otplib)');
    },
    rp: () => {
      const result = checkTotp({ secret, code: token, params, nowMs: Date.now(), driftSteps: DRIFT_STEPS, lastStep: null, replayProtection: true });
      if (!result.valid) throw new Error('TOTP code did not verify (RP)');
    },
  };
}

/**
 * The code checked `count` times each way, in alternating blocks in this one process so that
 * both see the same machine.
 */
export async function totpFloors(count: number, blocks = 4): Promise<TotpComparison> {
  const checks = await totpChecks();
  const parts: TotpComparison[] = [];
  for (let b = 0; b < blocks; b++) parts.push({ otplib: await timeLoop(count / blocks, checks.otplib), rp: await timeLoop(count / blocks, checks.rp) });
  return { otplib: combine(parts.map((p) => p.otplib)), rp: combine(parts.map((p) => p.rp)) };
}

/** The RP's check alone (for profiling it). */
export async function totpFloor(count: number): Promise<Throughput> {
  return timeLoop(count, (await totpChecks()).rp);
}

/**
 * Baseline for TOTP: RFC 6238 with node:crypto, checking the same three time steps the drift
 * window allows (the most work any verification has to do).
 */
export async function hotpBaseline(count: number): Promise<Throughput> {
  const secret = generateSecret({ length: 20 });
  const key = base32.decode(secret);
  const token = Buffer.from(await generate({ secret, period: PERIOD }));
  const code = (counter: number) => {
    const message = Buffer.alloc(8);
    message.writeBigUInt64BE(BigInt(counter));
    const mac = createHmac('sha1', key).update(message).digest();
    const offset = mac[mac.length - 1]! & 0x0f;
    return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
  };
  return timeLoop(count, () => {
    const step = Math.floor(Date.now() / 1000 / PERIOD);
    let ok = false;
    for (let d = -DRIFT_STEPS; d <= DRIFT_STEPS; d++) ok = timingSafeEqual(Buffer.from(code(step + d)), token) || ok;
    if (!ok) throw new Error('baseline TOTP check failed');
  });
}
