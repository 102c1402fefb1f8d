// Relying party: passkey sign-ins and TOTP sign-ins per second over HTTP against the real
// harness server (Fastify, SQLite in a file with WAL, every protection on), from a load
// generator in another process; and the in-process floors they are compared with.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from '../lib/child.ts';
import { PORTS } from '../lib/ports.ts';
import { profileTable } from '../lib/profiler.ts';
import { atLeast, row, type Row, type SuiteResult, type Table } from '../lib/results.ts';
import type { Suite, SuiteContext } from '../lib/suite.ts';
import type { Throughput, TotpComparison } from './floor.ts';
import type { PhaseResult } from './loadgen.ts';

const TARGET_SIGNINS = 1000;
const TARGET_TOTP = 20_000;
const ORIGIN = `http://localhost:${PORTS.rp}`;

interface Plan {
  signins: number;
  users: number;
  clients: number;
  floorVerifications: number;
  totpVerifications: number;
  profileSignins: number;
}

const plan = (smoke: boolean): Plan =>
  smoke
    ? { signins: 60, users: 1, clients: 4, floorVerifications: 60, totpVerifications: 1000, profileSignins: 0 }
    : { signins: 6000, users: 12, clients: 32, floorVerifications: 2000, totpVerifications: 40_000, profileSignins: 1500 };

/** BENCH_RP_SIGNINS: sign-ins per round instead of the plan's (e.g. a smoke run long enough to read CPU time). */
const withSignins = (p: Plan): Plan => (process.env.BENCH_RP_SIGNINS ? { ...p, signins: Number(process.env.BENCH_RP_SIGNINS) } : p);

/** Every passkey request must have succeeded: a benchmark of errors measures nothing. */
function allOk(name: string, result: PhaseResult): PhaseResult {
  const failed = Object.entries(result.statuses).filter(([status]) => status !== '200');
  if (failed.length > 0) throw new Error(`${name}: not every request succeeded: ${JSON.stringify(result.statuses)}`);
  return result;
}

async function startServer(dataDir: string): Promise<Child> {
  return Child.start('rp/rp-server.ts', {
    PORT: String(PORTS.rp),
    PHONE_PORT: String(PORTS.rpPhone),
    HOST: '127.0.0.1',
    PUBLIC_URL: ORIGIN,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // The per-address limit (default 30/min) stays on; its ceiling is raised and the load comes
    // from many loopback addresses, as many browsers' would.
    RATE_LIMIT_PER_MINUTE: '10000',
  });
}

type Phase = PhaseResult & {
  serverCpuUsPerRequest: number;
  /** The request thread's CPU alone (null off Linux): 1e6 / this is the route's ceiling on one core. */
  requestThreadCpuUsPerRequest: number | null;
};

/** A generator phase, with the server's CPU time (all its threads) per request. */
async function phase(server: Child, generator: Child, name: string, type: string, payload?: unknown): Promise<Phase> {
  const cpu = async () => {
    const { cpu: c, requestThreadCpuUs } = await server.request<{ cpu: NodeJS.CpuUsage; requestThreadCpuUs: number | null }>('stats');
    return { all: c.user + c.system, thread: requestThreadCpuUs };
  };
  const before = await cpu();
  const result = allOk(name, await generator.request<PhaseResult>(type, payload));
  const after = await cpu();
  const thread = before.thread !== null && after.thread !== null ? (after.thread - before.thread) / result.requests : null;
  return { ...result, serverCpuUsPerRequest: (after.all - before.all) / result.requests, requestThreadCpuUsPerRequest: thread };
}

async function passkeyRound(server: Child, generator: Child, signins: number): Promise<{ options: Phase; verify: Phase }> {
  const options = await phase(server, generator, 'passkey options', 'issue', { count: signins });
  await generator.request('sign');
  const verify = await phase(server, generator, 'passkey verify', 'verify');
  return { options, verify };
}

interface Floors {
  floor: Throughput;
  floorConcurrent: Throughput;
  /** The RP's TOTP check and otplib's default verify, interleaved in one process. */
  totp: TotpComparison;
  hotp: Throughput;
}

/** The in-process floors, in a process of their own, after the load so they have the CPU to themselves. */
async function measureFloors(ctx: SuiteContext, p: Plan): Promise<Floors & { tables: Table[] }> {
  const child = await Child.start('rp/floor-child.ts');
  try {
    const webauthn = (concurrency: number) => child.request<Throughput>('webauthn', { count: p.floorVerifications, concurrency });
    const floors: Floors = {
      floor: await webauthn(1),
      floorConcurrent: await webauthn(p.clients),
      totp: await child.request<TotpComparison>('totp', { count: p.totpVerifications }),
      hotp: await child.request<Throughput>('hotp', { count: p.totpVerifications }),
    };
    ctx.log(
      `rp: floors: verify ${Math.round(floors.floor.perSecond)}/s (${Math.round(floors.floorConcurrent.perSecond)}/s ${p.clients} at a time), ` +
        `RP TOTP check ${Math.round(floors.totp.rp.perSecond)}/s (otplib defaults ${Math.round(floors.totp.otplib.perSecond)}/s), node:crypto TOTP ${Math.round(floors.hotp.perSecond)}/s`,
    );
    const tables: Table[] = [];
    if (!ctx.smoke && floors.totp.rp.perSecond < TARGET_TOTP) {
      const { profile } = await child.profile(() => child.request('totp-rp', { count: p.totpVerifications / 4 }));
      tables.push(profileTable("CPU profile of the RP's TOTP check (in process)", profile));
    }
    return { ...floors, tables };
  } finally {
    await child.stop();
  }
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const p = withSignins(plan(ctx.smoke));
  const dataDir = mkdtempSync(join(tmpdir(), 'pairkey-bench-rp-'));
  const server = await startServer(dataDir);
  const generator = await Child.start('rp/loadgen.ts');
  try {
    const setup = await generator.request<{ seconds: number }>('setup', { origin: ORIGIN, users: p.users, clients: p.clients });
    ctx.log(`rp: ${p.users} accounts with a passkey and TOTP in ${setup.seconds.toFixed(1)} s`);
    const trivial = await phase(server, generator, 'server-info', 'trivial', { count: p.signins });
    const { options, verify } = await passkeyRound(server, generator, p.signins);
    ctx.log(`rp: options ${Math.round(options.perSecond)}/s, verify ${Math.round(verify.perSecond)}/s`);
    // The same round with SQLite's default durability (an fsync per commit), then back to the
    // RP's setting (see docs/performance.md).
    await server.request('sqlite-synchronous', 'FULL');
    const full = await passkeyRound(server, generator, p.signins);
    await server.request('sqlite-synchronous', 'NORMAL');
    ctx.log(`rp: with synchronous=FULL: options ${Math.round(full.options.perSecond)}/s, verify ${Math.round(full.verify.perSecond)}/s`);
    const totpHttp = await generator.request<{ password: PhaseResult; code: PhaseResult }>('totp');
    allOk('TOTP password step', totpHttp.password);
    allOk('TOTP code step', totpHttp.code);

    const { tables, ...floors } = await measureFloors(ctx, p);

    // A missed target: where the server's time goes (separate passes, so they do not slow the numbers above).
    if (p.profileSignins > 0 && verify.perSecond < TARGET_SIGNINS) {
      const { profile } = await server.profile(() => passkeyRound(server, generator, p.profileSignins));
      await server.request('sql-start');
      await passkeyRound(server, generator, p.profileSignins);
      const sql = await server.request<{ sql: string; calls: number; ms: number }[]>('sql-stop');
      tables.unshift(
        profileTable('CPU profile of the RP server during passkey sign-in (options + verify)', profile),
        {
          title: `SQLite statements during ${p.profileSignins} passkey sign-ins (options + verify), by total time (the server's one thread waits for each)`,
          columns: ['statement', 'calls per sign-in', 'ms per call', 'ms per sign-in'],
          rows: sql.slice(0, 12).map((s) => [s.sql.length > 110 ? `${s.sql.slice(0, 107)}…` : s.sql, s.calls / p.profileSignins, s.ms / s.calls, s.ms / p.profileSignins]),
        },
      );
    }
    return report(p, { trivial, options, verify, full, totpHttp, ...floors }, tables);
  } finally {
    await generator.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Measured extends Floors {
  trivial: Phase;
  options: Phase;
  verify: Phase;
  /** The same round with PRAGMA synchronous = FULL (SQLite's default: an fsync per commit). */
  full: { options: Phase; verify: Phase };
  totpHttp: { password: PhaseResult; code: PhaseResult };
}

/** The request thread's share, where /proc gives it; verification runs on RP_VERIFY_WORKERS worker threads. */
const threadNote = (phase: Phase) =>
  phase.requestThreadCpuUsPerRequest === null
    ? ''
    : `, of which the request thread ${Math.round(phase.requestThreadCpuUsPerRequest)} µs (ceiling on one core ${Math.round(1e6 / phase.requestThreadCpuUsPerRequest)}/s; signature checks on ${process.env.RP_VERIFY_WORKERS ?? 1} worker thread(s))`;

function report(p: Plan, m: Measured, tables: Table[]): SuiteResult {
  const perSignin = 1 / (1 / m.options.perSecond + 1 / m.verify.perSecond);
  const rows: Row[] = [
    row('passkey sign-in verifications/s (POST /api/passkey/verify)', '/s', m.verify.perSecond, {
      baseline: { label: `verifyAuthenticationResponse in process, ${p.clients} at a time`, value: m.floorConcurrent.perSecond },
      target: atLeast(TARGET_SIGNINS, m.verify.perSecond, `≥ ${TARGET_SIGNINS}/s`),
      note: `latency p50 ${m.verify.latencyMs.p50.toFixed(1)} ms, p99 ${m.verify.latencyMs.p99.toFixed(1)} ms at ${p.clients} connections; server CPU ${Math.round(m.verify.serverCpuUsPerRequest)} µs per request (in-process verify: ${Math.round(1e6 / m.floorConcurrent.perCpuSecond)} µs)${threadNote(m.verify)}`,
    }),
    row('challenge issuance/s (POST /api/passkey/options)', '/s', m.options.perSecond, {
      baseline: { label: 'GET /api/server-info', value: m.trivial.perSecond },
      note: `latency p50 ${m.options.latencyMs.p50.toFixed(1)} ms, p99 ${m.options.latencyMs.p99.toFixed(1)} ms; server CPU ${Math.round(m.options.serverCpuUsPerRequest)} µs per request (server-info: ${Math.round(m.trivial.serverCpuUsPerRequest)} µs)`,
    }),
    row('complete passkey sign-ins/s (options + verify)', '/s', perSignin, {
      baseline: { label: `verifyAuthenticationResponse in process, ${p.clients} at a time`, value: m.floorConcurrent.perSecond },
      note: 'derived: 1 / (1/options + 1/verify)',
    }),
    row('passkey sign-in verifications/s with PRAGMA synchronous = FULL', '/s', m.full.verify.perSecond, {
      baseline: { label: 'as shipped (synchronous = NORMAL)', value: m.verify.perSecond },
      note: `SQLite's default durability, same run; p50 ${m.full.verify.latencyMs.p50.toFixed(1)} ms; challenge issuance ${Math.round(m.full.options.perSecond)}/s`,
    }),
    row('verifyAuthenticationResponse in process, one at a time', 'µs', m.floor.usPerOp, {
      baseline: { label: `${p.clients} at a time`, value: m.floorConcurrent.usPerOp },
      note: 'per verification',
    }),
    row("TOTP verifications/s (the RP's check, in process)", '/s', m.totp.rp.perSecond, {
      baseline: { label: 'RFC 6238 with node:crypto HMAC', value: m.hotp.perSecond },
      target: atLeast(TARGET_TOTP, m.totp.rp.perSecond, `≥ ${TARGET_TOTP}/s`),
      note: `checkTotp: otplib verifySync on node:crypto; SHA-1, 6 digits, 30 s, ±1 step; per CPU-second ${Math.round(m.totp.rp.perCpuSecond)} (node:crypto ${Math.round(m.hotp.perCpuSecond)})`,
    }),
    row('TOTP verifications/s, otplib verify with its defaults (in process)', '/s', m.totp.otplib.perSecond, {
      baseline: { label: "the RP's check, interleaved", value: m.totp.rp.perSecond },
      note: `HMAC in JavaScript (@noble/hashes), as the RP called it before; per CPU-second ${Math.round(m.totp.otplib.perCpuSecond)}`,
    }),
    row('TOTP code step over HTTP (POST /api/signin/otp)', '/s', m.totpHttp.code.perSecond, {
      baseline: { label: "the RP's check in process", value: m.totp.rp.perSecond },
      note: `${m.totpHttp.code.requests} sign-ins (one per account: a code is accepted once per time step); p50 ${m.totpHttp.code.latencyMs.p50.toFixed(1)} ms`,
    }),
    row('password step over HTTP (POST /api/signin/password, scrypt)', '/s', m.totpHttp.password.perSecond, {
      note: `p50 ${m.totpHttp.password.latencyMs.p50.toFixed(0)} ms: scrypt N=2^15, r=8, p=3 bounds every password sign-in`,
    }),
  ];
  return {
    suite: 'rp',
    title: 'Relying party throughput',
    params: { passkeySignins: p.signins, accounts: p.users, connections: p.clients, floorVerifications: p.floorVerifications, totpVerifications: p.totpVerifications },
    rows,
    tables,
    notes: [
      'Passkey sign-in is measured in two phases because each assertion must sign a fresh single-use challenge: first N × POST /api/passkey/options (challenge issuance, one SQLite insert each), then the load generator signs every challenge (untimed: the browser\'s work), then N × POST /api/passkey/verify (challenge consumed, assertion verified with @simplewebauthn/server, credential updated, session and audit entry written, in SQLite with WAL in a file).',
      `Load: ${p.clients} keep-alive connections, each from its own 127.0.0.x address, each sending its requests back to back; the generator is a separate process on the same 2 cores. RATE_LIMIT_PER_MINUTE is raised to 10000 per address (the limiter stays on).`,
      'Floors run in a Node process of their own after the load, with nothing else to do: they bound what the server, one JavaScript thread plus the thread pool WebCrypto uses, can reach.',
    ],
    details: m,
  };
}

export const rpSuite: Suite = { name: 'rp', run };
