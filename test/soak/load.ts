// Sustained load on the harness server (relay and relying party) for a bounded time, run in a
// child process on a file-backed data directory so its memory can be sampled from outside:
//   - relay: channel pairs that bounce sequence-numbered binary frames back and forth, with
//     channels closed and reopened as they go (rendezvous bookkeeping must not leak);
//   - RP: three kinds of sign-in, each simulated user on its own loopback address (127.0.x.y,
//     as the RP benchmark does) so the per-address limits see many clients, not one:
//       passkey  — passkey options, verify, /api/me, in a loop;
//       password — password sign-in of an account without 2FA, /api/me, sign out;
//       totp     — password, then the authenticator-app code of a time step not yet spent (a
//                  code is good once, so each account signs in once per 30 s step, at its own
//                  offset into the step so the kind's rate is even);
//     the per-address limit is raised (RATE_LIMIT_PER_MINUTE, LOAD_ENV) because one simulated
//     user signs in far faster than a person; the guess throttle and lockout stay as they are.
// Every frame must come back and every request must get a 200: a lost one is a failure. Each
// kind's sign-ins per interval are counted: a kind that completes none for two intervals in a
// row has stalled, and the run fails.
//
// runSoak starts its own server; runLoad drives a server someone else controls (the chaos run,
// test/chaos/, kills it, fills its disk, starves its relay). With `faultTolerant` the load rides
// through faults: a failed request is a refusal (timestamped, for the caller to judge against its
// fault windows) and the user tries again; a frame whose sender was told it did not arrive (a
// `dropped` notice, its socket closing, its peer leaving) is counted as such; a frame that
// silently never comes back is still lost. Each user keeps a ledger of what the server
// acknowledged (sign-ins, passkey counters, TOTP steps, session) to check against the database.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { tokenHash } from '../../harness-server/rp/crypto/tokens.ts';
import { TestBrowser } from '../../harness-server/testing/servers.ts';
import type { Authenticator } from '../../shared/authenticator/index.ts';
import { parseAuthenticatorData } from '../../shared/authenticator/index.ts';
import { fromB64url } from '../../shared/bytes.ts';
import { pairingSeat, type RelaySeat } from '../../shared/protocol/relay-seat.ts';
import { PASSKEY_VERIFY, passkeyAccount, passkeyAssertion, TEST_PASSWORD, totpAccount, totpCode, verifiedAccount, type TotpAccount } from '../security/support/rp-flows.ts';
import { ServerProcess } from '../faults/support/server-process.ts';

export const SIGN_IN_KINDS = ['passkey', 'password', 'totp'] as const;
export type SignInKind = (typeof SIGN_IN_KINDS)[number];

export interface SoakOptions {
  durationMs: number;
  /** Simulated users per kind of sign-in, each from its own address. */
  users: Record<SignInKind, number>;
  /** Relay channel pairs exchanging frames concurrently. */
  channelPairs: number;
  /** Round trips on one channel before it is closed and a new one opened. */
  framesPerChannel: number;
  sampleEveryMs: number;
  log?: (line: string) => void;
  /** Ride through faults: retry after `retryMs` instead of counting a failed request as lost. */
  faultTolerant?: { retryMs: number };
  /**
   * A steady load instead of a saturating one: each user pauses this long after every sign-in,
   * each channel pair after every echoed frame. 0 (the default) is as fast as the server answers.
   */
  thinkMs?: number;
  /** A request still unanswered after this long hangs (a failure); no limit unless given. */
  requestTimeoutMs?: number;
  /** Ends the load before `durationMs` (the chaos run stops it when its faults are done). */
  stop?: AbortSignal;
  /** Given the report as soon as it exists, to read while the load runs (ledgers, refusals). */
  live?: (report: SoakReport) => void;
  /**
   * Relays for the channel pairs, by group: pair i uses group i mod n, each of its two sockets on
   * a node of the group picked at random at every (re)join (a load balancer's failover). By
   * default one group, the server's own relay.
   */
  relayGroups?: string[][];
  /** Told of every completed sign-in and every echoed frame (with its relay group), as it happens (epoch ms). */
  onProgress?: (what: SignInKind | 'frame', at: number, group?: number) => void;
}

/** What the server acknowledged to one simulated user, to check against its database. */
export interface UserLedger {
  kind: SignInKind;
  username: string;
  /** Sign-ins answered 200 (the sign-in's own request: verify, password, or code). */
  acknowledged: number;
  /** Passkey: the credential, the counter of the last acknowledged sign-in, the highest ever signed. */
  credentialId?: string;
  lastCounter: number;
  maxSigned: number;
  /** TOTP: the time step of the last acknowledged code, and the highest step ever sent. */
  lastStep: number;
  maxStepSent: number;
  /** Passkey: the session cookie the last acknowledged sign-in set (password users sign out). */
  session: string | null;
  /** Passkey: the last few verify attempts (time, status, counter signed, session cookie after), for a finding's evidence. */
  attempts: string[];
}

const ATTEMPTS_KEPT = 6;

/** A request that did not get its 200 while the load rode through faults. */
export interface Refusal {
  at: number;
  what: string;
}

export interface RssSample {
  atMs: number;
  rssMb: number;
}

/** One kind's sign-ins within one interval (or the whole run). */
export interface KindFigures {
  signIns: number;
  failures: number;
  /** Milliseconds for a whole sign-in (every request of it). */
  p99: number;
}

export interface Interval {
  endMs: number;
  kinds: Record<SignInKind, KindFigures>;
  frames: number;
}

export interface SoakReport {
  durationMs: number;
  requests: number;
  failedRequests: string[];
  /** Requests that got no answer within their timeout. */
  hungRequests: string[];
  /** With faultTolerant: the failed requests, timestamped, instead of failedRequests. */
  refusals: Refusal[];
  ledgers: UserLedger[];
  /** Milliseconds per RP request. */
  latency: { p50: number; p99: number; max: number };
  kinds: Record<SignInKind, KindFigures>;
  intervals: Interval[];
  framesSent: number;
  framesEchoed: number;
  lostFrames: string[];
  /** With faultTolerant: frames whose sender learnt they did not arrive (dropped, closed, peer left). */
  framesToldDropped: number;
  channelsOpened: number;
  rss: RssSample[];
  serverCrashed: boolean;
}

const FRAME_TIMEOUT_MS = 10_000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

/** RSS of a process that may have just been killed (the chaos run's): undefined once it is gone. */
function rssMbIfAlive(pid: number): number | undefined {
  try {
    return rssMb(pid);
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Opens one socket on a channel; resolves when the relay says both peers are there. */
export function joinChannel(base: string, seat: RelaySeat, abort: AbortSignal): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${base}/relay/${seat.channel}`);
    socket.once('open', () => socket.send(JSON.stringify(seat.join)));
    socket.binaryType = 'nodebuffer';
    // Also after opening: a reset socket must end in a lost frame, not an unhandled error.
    socket.on('error', reject);
    // The relay went away before both joined, or the other socket of the pair failed to join.
    socket.once('close', () => reject(new Error('closed before both peers joined')));
    abort.addEventListener('abort', () => socket.terminate(), { once: true });
    socket.on('message', function onControl(data, binary) {
      if (binary) return;
      const control = JSON.parse(data.toString()) as { type: string; count?: number };
      if (control.type === 'peers' && control.count === 2) {
        socket.off('message', onControl);
        resolve(socket);
      }
    });
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits `ms`, or less if `stop` ends the load first. */
function pauseUnlessStopped(ms: number, stop: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop?.addEventListener('abort', done, { once: true });
  });
}

/** The load goes on until its deadline or until the caller stops it. */
const going = (deadline: number, options: SoakOptions) => Date.now() < deadline && !options.stop?.aborted;

/** One channel pair bouncing frames until the deadline, reopening its channel now and then. */
async function relayPair(group: number, bases: string[], options: SoakOptions, deadline: number, report: SoakReport): Promise<void> {
  const pick = () => bases[Math.floor(Math.random() * bases.length)]!;
  while (going(deadline, options)) {
    const secret = randomBytes(32);
    const abort = new AbortController();
    let pair: WebSocket[];
    try {
      pair = await Promise.all([joinChannel(pick(), pairingSeat(secret, 'extension'), abort.signal), joinChannel(pick(), pairingSeat(secret, 'phone'), abort.signal)]);
    } catch (error) {
      // The relay is down (killed, restarting): drop whichever socket did open, and try again.
      abort.abort();
      if (!options.faultTolerant) throw error;
      await pause(options.faultTolerant.retryMs);
      continue;
    }
    const [a, b] = pair as [WebSocket, WebSocket];
    report.channelsOpened += 1;
    // B is the echo side: every binary frame goes straight back.
    b.on('message', (data, binary) => {
      if (binary) b.send(data as Buffer, { binary: true });
    });
    try {
      for (let seq = 0; seq < options.framesPerChannel && going(deadline, options); seq++) {
        const frame = randomBytes(64 + Math.floor(Math.random() * 4032));
        frame.writeUInt32BE(seq, 0);
        /** The echo, or why the sender knows it is not coming (`told`), or that it silently never came. */
        const echoed = new Promise<Buffer | { told: boolean; why: string }>((resolve) => {
          const done = (value: Buffer | { told: boolean; why: string }) => {
            clearTimeout(timer);
            a.off('message', onMessage);
            a.off('close', onClose);
            resolve(value);
          };
          const timer = setTimeout(() => done({ told: false, why: 'no echo within 10 s' }), FRAME_TIMEOUT_MS);
          const onClose = () => done({ told: true, why: 'its socket closed' });
          const onMessage = (data: WebSocket.RawData, binary: boolean) => {
            if (binary) return done(data as Buffer);
            const control = JSON.parse(data.toString()) as { type: string; count?: number };
            if (control.type === 'dropped') done({ told: true, why: 'the relay dropped it' });
            else if (control.type === 'peers' && control.count !== 2) done({ told: true, why: 'its peer left' });
          };
          a.on('message', onMessage);
          a.on('close', onClose);
        });
        a.send(frame, { binary: true });
        report.framesSent += 1;
        const back = await echoed;
        if (!Buffer.isBuffer(back) && back.told && options.faultTolerant) {
          report.framesToldDropped += 1;
          break;
        }
        if (!Buffer.isBuffer(back) || !back.equals(frame)) {
          report.lostFrames.push(`channel ${pairingSeat(secret, 'phone').channel.slice(0, 8)} frame ${seq}: ${Buffer.isBuffer(back) ? 'came back different' : back.why}`);
          break;
        }
        options.onProgress?.('frame', Date.now(), group);
        report.framesEchoed += 1;
        if (options.thinkMs) await pauseUnlessStopped(options.thinkMs, options.stop);
      }
    } finally {
      a.close();
      b.close();
    }
  }
}

/** Loopback address of simulated user k: 127.0.1.1, 127.0.1.2, … (127.0.0.1 stays the harness's own). */
function userAddress(k: number): string {
  return `127.0.${1 + Math.floor(k / 250)}.${1 + (k % 250)}`;
}

type Request = <T>(what: string, call: () => Promise<T>, status: (value: T) => number) => Promise<T | null>;

/** What one simulated user does to sign in once; false when any request failed. */
type SignIn = (request: Request, deadline: number, stop?: AbortSignal) => Promise<boolean>;

interface Tally {
  signIns: number;
  failures: number;
  latencies: number[];
}

const statusOf = (result: { status: number }) => result.status;

const newLedger = (kind: SignInKind, username: string): UserLedger => ({ kind, username, acknowledged: 0, lastCounter: 0, maxSigned: 0, lastStep: 0, maxStepSent: 0, session: null, attempts: [] });

async function passkeyUser(browser: TestBrowser, server: ServerProcess, ledger: UserLedger): Promise<SignIn> {
  const { authenticator, credentialId } = await passkeyAccount(browser, ledger.username, server.url);
  ledger.credentialId = credentialId;
  return async (request) => {
    // passkeyAssertion throws unless the options call answered 200.
    const assertion = await request('POST /api/passkey/options', () => passkeyAssertion(browser, authenticator, server.url), () => 200);
    if (assertion === null) return false;
    const counter = parseAuthenticatorData(fromB64url(assertion.response.authenticatorData)).signCount;
    ledger.maxSigned = Math.max(ledger.maxSigned, counter);
    const sessionBefore = browser.cookies.get('pk_session');
    const verified = await request(`POST ${PASSKEY_VERIFY}`, () => browser.post(PASSKEY_VERIFY, assertion), statusOf);
    const sessionAfter = browser.cookies.get('pk_session');
    ledger.attempts = [
      ...ledger.attempts.slice(1 - ATTEMPTS_KEPT),
      `${new Date().toISOString().slice(11, 23)} counter ${counter} → ${verified === null ? 'refused' : 'acknowledged'}, session cookie ${sessionAfter === sessionBefore ? 'kept' : sessionAfter === undefined ? 'cleared' : `now ${tokenHash(sessionAfter)?.toString('hex').slice(0, 8)}`}`,
    ];
    if (verified === null) return false;
    ledger.acknowledged += 1;
    ledger.lastCounter = counter;
    ledger.session = browser.cookies.get('pk_session') ?? null;
    return (await request('GET /api/me', () => browser.get('/api/me'), statusOf)) !== null;
  };
}

async function passwordUser(browser: TestBrowser, ledger: UserLedger): Promise<SignIn> {
  const { username } = ledger;
  await verifiedAccount(browser, username);
  return async (request) => {
    if ((await request('POST /api/signin/password', () => browser.post('/api/signin/password', { username, password: TEST_PASSWORD }), statusOf)) === null) return false;
    ledger.acknowledged += 1;
    return (
      (await request('GET /api/me', () => browser.get('/api/me'), statusOf)) !== null &&
      (await request('POST /api/signout', () => browser.post('/api/signout'), statusOf)) !== null
    );
  };
}

/**
 * A TOTP code is good once, for its own time step; the RP also takes the code of the next step
 * (TOTP_DRIFT_STEPS, 1 by default, which the soak's server runs with). So each user signs in
 * once per step, at its own `offset` (a fraction of the step), with the first step after the one
 * its enrolment spent; the wait is on the clock, since nothing else signals a new step.
 */
async function totpUser(browser: TestBrowser, ledger: UserLedger, offset: number): Promise<SignIn> {
  const { username } = ledger;
  const account: TotpAccount = await totpAccount(browser, username);
  let spent = account.enrolledStep;
  // Confirming the enrolment sent the code of its step (the server may keep it as spent).
  ledger.maxStepSent = account.enrolledStep;
  const periodMs = account.period * 1000;
  return async (request, deadline, stop) => {
    const next = Math.max(spent + 1, Math.floor(Date.now() / periodMs));
    const at = Math.max(Date.now(), (next - 1 + offset) * periodMs);
    if (at >= deadline) {
      await pauseUnlessStopped(deadline - Date.now(), stop);
      return true;
    }
    if (at > Date.now()) await pauseUnlessStopped(at - Date.now(), stop);
    if (stop?.aborted) return true;
    spent = next;
    const code = await totpCode(account.secret, next * periodMs, { period: account.period });
    if ((await request('POST /api/signin/password', () => browser.post<{ status: string }>('/api/signin/password', { username, password: TEST_PASSWORD }), statusOf)) === null) return false;
    ledger.maxStepSent = next;
    if ((await request('POST /api/signin/otp', () => browser.post('/api/signin/otp', { code }), statusOf)) === null) return false;
    ledger.acknowledged += 1;
    ledger.lastStep = next;
    return (await request('POST /api/signout', () => browser.post('/api/signout'), statusOf)) !== null;
  };
}

/** One simulated user signing in again and again until the deadline. */
async function signInLoop(signIn: SignIn, deadline: number, options: SoakOptions, report: SoakReport, record: (ok: boolean, ms: number) => void, latencies: number[]): Promise<void> {
  const timeoutMs = options.requestTimeoutMs ?? 0;
  const failed = (what: string) => {
    if (options.faultTolerant) report.refusals.push({ at: Date.now(), what });
    else report.failedRequests.push(what);
  };
  /** Times one request; anything but a 200 (or a throw) is a lost request, no answer in time a hung one. */
  // A sign-in is timed from its first request: a TOTP user's wait for its next time step is not latency.
  let firstRequestAt: number | undefined;
  const request: Request = async (what, call, status) => {
    const started = performance.now();
    firstRequestAt ??= started;
    report.requests += 1;
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      if (timeoutMs > 0) timer = setTimeout(() => resolve('hung'), timeoutMs);
    });
    try {
      const value = await Promise.race([call(), hung]);
      if (value === 'hung') {
        report.hungRequests.push(`${what}: no answer within ${timeoutMs / 1000} s`);
        return null;
      }
      latencies.push(performance.now() - started);
      if (status(value) === 200) return value;
      failed(`${what}: ${status(value)} ${JSON.stringify(value).slice(0, 200)}`);
    } catch (error) {
      failed(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    return null;
  };
  while (going(deadline, options) && report.failedRequests.length < 20 && report.hungRequests.length === 0) {
    firstRequestAt = undefined;
    const before = report.requests;
    const ok = await signIn(request, deadline, options.stop);
    if (report.requests === before || firstRequestAt === undefined) continue; // a TOTP user whose next step is past the deadline
    record(ok, performance.now() - firstRequestAt);
    if (!ok && options.faultTolerant) await pause(options.faultTolerant.retryMs);
    else if (options.thinkMs) await pauseUnlessStopped(options.thinkMs, options.stop);
  }
}

function figures(tally: Tally): KindFigures {
  const sorted = [...tally.latencies].sort((x, y) => x - y);
  return { signIns: tally.signIns, failures: tally.failures, p99: percentile(sorted, 99) };
}

const freshTally = (): Tally => ({ signIns: 0, failures: 0, latencies: [] });
const perKind = <T>(make: (kind: SignInKind) => T) => Object.fromEntries(SIGN_IN_KINDS.map((kind) => [kind, make(kind)])) as Record<SignInKind, T>;

/** The soak: its own server on a fresh data directory, the load for `durationMs`, the server stopped. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pairkey-soak-'));
  const server = await ServerProcess.create(dataDir);
  await server.start();
  try {
    return await runLoad(server, options);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The load against a running server the caller controls (and may kill, restart, starve): accounts
 * are made first, then the clock starts. Memory is sampled from whichever process serves.
 */
export async function runLoad(server: ServerProcess, options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const report: SoakReport = {
    durationMs: options.durationMs,
    requests: 0,
    failedRequests: [],
    hungRequests: [],
    refusals: [],
    ledgers: [],
    latency: { p50: 0, p99: 0, max: 0 },
    kinds: perKind(() => ({ signIns: 0, failures: 0, p99: 0 })),
    intervals: [],
    framesSent: 0,
    framesEchoed: 0,
    lostFrames: [],
    framesToldDropped: 0,
    channelsOpened: 0,
    rss: [],
    serverCrashed: false,
  };
  options.live?.(report);
  const browsers: TestBrowser[] = [];
  try {
    // Accounts first (sign-up, email, enrolment), then the clock starts.
    const users: { kind: SignInKind; k: number }[] = SIGN_IN_KINDS.flatMap((kind) => Array.from({ length: options.users[kind] }, (_, k) => ({ kind, k })));
    const signIns = await Promise.all(
      users.map(async ({ kind, k }, index) => {
        const browser = new TestBrowser(server.url, userAddress(index));
        browsers.push(browser);
        const ledger = newLedger(kind, `soak-${kind}-${k}`);
        report.ledgers.push(ledger);
        const signIn =
          kind === 'passkey' ? await passkeyUser(browser, server, ledger) : kind === 'password' ? await passwordUser(browser, ledger) : await totpUser(browser, ledger, k / options.users.totp);
        return { kind, signIn };
      }),
    );
    const started = Date.now();
    const deadline = started + options.durationMs;
    const totals = perKind(freshTally);
    let current = perKind(freshTally);
    let framesAtLastSample = 0;
    const sample = () => {
      const pid = server.pid;
      const rss = pid === undefined ? undefined : rssMbIfAlive(pid);
      if (rss === undefined) return;
      const point = { atMs: Date.now() - started, rssMb: rss };
      report.rss.push(point);
      // The run's end cuts the last interval: a short one says nothing about a stall.
      if (point.atMs - (report.intervals.at(-1)?.endMs ?? 0) < options.sampleEveryMs / 2) return;
      const interval: Interval = { endMs: point.atMs, kinds: perKind((kind) => figures(current[kind])), frames: report.framesEchoed - framesAtLastSample };
      report.intervals.push(interval);
      current = perKind(freshTally);
      framesAtLastSample = report.framesEchoed;
      const seconds = options.sampleEveryMs / 1000;
      const kinds = SIGN_IN_KINDS.map((kind) => {
        const f = interval.kinds[kind];
        return `${kind} ${(f.signIns / seconds).toFixed(1)}/s p99 ${f.p99.toFixed(0)} ms${f.failures ? ` ${f.failures} failed` : ''}`;
      }).join(' | ');
      log(`${(point.atMs / 1000).toFixed(0).padStart(5)} s  rss ${point.rssMb.toFixed(1)} MB  ${kinds} | frames ${(interval.frames / seconds).toFixed(0)}/s  channels ${report.channelsOpened}`);
    };
    report.rss.push({ atMs: 0, rssMb: rssMb(server.pid!) });
    const sampler = setInterval(sample, options.sampleEveryMs);
    const latencies: number[] = [];
    const groups = options.relayGroups ?? [[`ws://127.0.0.1:${server.port}`]];
    // Each sign-in is counted in its kind's current interval and in the run's totals.
    const record = (kind: SignInKind) => (ok: boolean, ms: number) => {
      for (const tally of [current[kind], totals[kind]]) {
        if (ok) {
          tally.signIns += 1;
          tally.latencies.push(ms);
        } else {
          tally.failures += 1;
        }
      }
      if (ok) options.onProgress?.(kind, Date.now());
    };
    try {
      await Promise.all([
        ...signIns.map(({ kind, signIn }) => signInLoop(signIn, deadline, options, report, record(kind), latencies)),
        ...Array.from({ length: options.channelPairs }, (_, i) => relayPair(i % groups.length, groups[i % groups.length]!, options, deadline, report)),
      ]);
    } finally {
      clearInterval(sampler);
    }
    sample();
    latencies.sort((x, y) => x - y);
    report.latency = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 };
    report.kinds = perKind((kind) => figures(totals[kind]));
    report.serverCrashed = !server.running;
  } finally {
    browsers.forEach((browser) => browser.close());
  }
  return report;
}

/**
 * Kinds of sign-in that completed none for two intervals or more in a row, with where: a stall
 * (a limiter turning the load away, a lock, a dead pool), not a slow patch.
 */
export function stalledKinds(report: SoakReport): string[] {
  const out: string[] = [];
  for (const kind of SIGN_IN_KINDS) {
    let run: Interval[] = [];
    for (const interval of report.intervals) {
      if (interval.kinds[kind].signIns === 0) run.push(interval);
      else run = [];
      if (run.length === 2) out.push(`${kind} sign-ins stopped from ${(run[0]!.endMs / 1000).toFixed(0)} s on`);
    }
  }
  return out;
}

export interface MemoryVerdict {
  baselineMb: number;
  finalMb: number;
  growthMb: number;
  /** Least-squares slope over the samples after warm-up, MB per minute. */
  slopeMbPerMin: number;
}

/**
 * Memory after warm-up (the first fifth of the run, when caches and JIT settle): the median of
 * the second fifth against the median of the last fifth, and the trend in between.
 */
export function memoryVerdict(samples: RssSample[]): MemoryVerdict {
  const end = samples.at(-1)?.atMs ?? 0;
  const window = (from: number, to: number) => samples.filter((s) => s.atMs >= from * end && s.atMs <= to * end).map((s) => s.rssMb);
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  const baselineMb = median(window(0.2, 0.4));
  const finalMb = median(window(0.8, 1));
  const settled = samples.filter((s) => s.atMs >= 0.2 * end);
  const n = settled.length;
  const meanX = settled.reduce((sum, s) => sum + s.atMs, 0) / n;
  const meanY = settled.reduce((sum, s) => sum + s.rssMb, 0) / n;
  const covariance = settled.reduce((sum, s) => sum + (s.atMs - meanX) * (s.rssMb - meanY), 0);
  const variance = settled.reduce((sum, s) => sum + (s.atMs - meanX) ** 2, 0);
  return { baselineMb, finalMb, growthMb: finalMb - baselineMb, slopeMbPerMin: variance === 0 ? 0 : (covariance / variance) * 60_000 };
}

/** What is wrong with a run, in words; empty when it passed. */
export function soakProblems(report: SoakReport, maxGrowthMb: number): string[] {
  const problems: string[] = [];
  if (report.serverCrashed) problems.push('the server process died');
  if (report.failedRequests.length > 0) problems.push(`${report.failedRequests.length} request(s) failed, e.g. ${report.failedRequests.slice(0, 3).join('; ')}`);
  if (report.hungRequests.length > 0) problems.push(`${report.hungRequests.length} request(s) hung, e.g. ${report.hungRequests.slice(0, 3).join('; ')}`);
  if (report.lostFrames.length > 0) problems.push(`${report.lostFrames.length} frame(s) lost, e.g. ${report.lostFrames.slice(0, 3).join('; ')}`);
  if (report.framesSent !== report.framesEchoed + report.lostFrames.length) problems.push(`${report.framesSent} frames sent, ${report.framesEchoed} came back`);
  if (report.requests === 0 || report.framesEchoed === 0) problems.push('no load was generated');
  for (const kind of SIGN_IN_KINDS) if (report.kinds[kind].signIns === 0) problems.push(`no ${kind} sign-in completed`);
  problems.push(...stalledKinds(report));
  const memory = memoryVerdict(report.rss);
  if (memory.growthMb > maxGrowthMb) {
    problems.push(`server memory grew ${memory.growthMb.toFixed(1)} MB after warm-up (${memory.baselineMb.toFixed(1)} → ${memory.finalMb.toFixed(1)} MB, limit ${maxGrowthMb} MB)`);
  }
  return problems;
}
