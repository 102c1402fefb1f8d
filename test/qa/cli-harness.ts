// Support for the `pairkey qa` tests: the bundled relying party (the real Fastify + SQLite server)
// with chosen QA switches off, the real CLI as a child process, and its reports read back.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStringPromise } from 'xml2js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildServers } from '../../harness-server/app.ts';
import { loadConfig, QA_SWITCHES, type Protection } from '../../harness-server/config.ts';
import { freePort } from '../support/harness-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/pairkey.mjs');
export const BUNDLED_PROFILE = join(ROOT, 'qa/profiles/pairkey-rp.yaml');

/**
 * WebAuthn challenges of the calibration server live this long instead of 5 minutes, so the
 * expiry check waits seconds, not minutes; the calibration profile says so (challengeTimeoutSeconds).
 * Every honest ceremony of every check must also finish within it (the RP's ceremony cookie lives
 * as long): 2 s was too short on a loaded CI machine, where page → extension → relay → phone and
 * back can take longer.
 */
export const CALIBRATION_CHALLENGE_TTL_SECONDS = 6;

/** The check that must notice each protection being off. */
export const CATCHES: Record<Protection, string> = {
  totpReplayProtection: 'totp-replay',
  rateLimiting: 'brute-force',
  singleUseBackupCodes: 'backup-codes',
  challengeExpiry: 'challenge-expiry',
  signCountCheck: 'sign-count-regression',
  reauthBeforeDisable: 'disable-2fa-reauth',
  requireUserVerification: 'user-verification',
  originCheck: 'origin-mismatch',
};

export interface Rp {
  url: string;
  phoneUrl: string;
  /** The server's PHONE_PORT: the CLI finds the phone app from it, as from a server's own variables. */
  phonePort: number;
  close(): Promise<void>;
}

/** The harness server (RP + relay + phone app origin) on free ports, with `off` switched off. */
export async function startRp(off: Protection[] = []): Promise<Rp> {
  const [port, phonePort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    PORT: String(port),
    PHONE_PORT: String(phonePort),
    HOST: 'localhost',
    DATA_DIR: ':memory:',
    LOG_LEVEL: 'silent',
  };
  for (const protection of off) env[QA_SWITCHES[protection]] = 'off';
  if (off.length > 0) env.PAIRKEY_INSECURE_QA = '1';
  const config = loadConfig(env);
  const { main, phone } = await buildServers(config, { rp: { challengeTtlMs: CALIBRATION_CHALLENGE_TTL_SECONDS * 1000 } });
  await main.listen({ port, host: 'localhost' });
  await phone.listen({ port: phonePort, host: 'localhost' });
  return {
    url: `http://localhost:${port}`,
    phoneUrl: `http://localhost:${phonePort}/`,
    phonePort,
    close: async () => {
      await Promise.all([main.close(), phone.close()]);
    },
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `pairkey-qa-${prefix}-`));
}

/** The bundled profile with `edit` applied, written as YAML into `dir`. */
export function writeProfile(dir: string, edit: (profile: Record<string, unknown>) => void, name = 'profile.yaml'): string {
  const profile = parseYaml(readFileSync(BUNDLED_PROFILE, 'utf8')) as Record<string, unknown>;
  edit(profile);
  const file = join(dir, name);
  writeFileSync(file, stringifyYaml(profile));
  return file;
}

/** The bundled profile with the calibration server's challenge lifetime. */
export function calibrationProfile(dir: string): string {
  return writeProfile(dir, (profile) => {
    profile.webauthn = { challengeTimeoutSeconds: CALIBRATION_CHALLENGE_TTL_SECONDS };
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `pairkey <args>` as a user runs it. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `pairkey qa` against `rp`, its relay and phone app: the server named once (`--server`), its
 * phone app found from the server's PHONE_PORT variable.
 */
export function runQa(rp: Rp, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['qa', '--server', rp.url, '--site', rp.url, ...args], { PHONE_PORT: String(rp.phonePort), ...env });
}

export type CaseStatus = 'passed' | 'failed' | 'skipped';

export interface JunitCase {
  id: string;
  status: CaseStatus;
  message: string | null;
  type: string | null;
}

interface XmlCase {
  $: { name: string };
  failure?: { $: { message: string; type: string } }[];
  skipped?: { $: { message: string } }[];
}

/** Every test case in junit.xml, as a CI tool reads it. */
export async function readJunit(file: string): Promise<{ tests: number; failures: number; skipped: number; cases: JunitCase[] }> {
  const xml = (await parseStringPromise(readFileSync(file, 'utf8'))) as {
    testsuites: { $: Record<string, string>; testsuite: { $: Record<string, string>; testcase?: XmlCase[] }[] };
  };
  const suite = xml.testsuites.testsuite[0]!;
  const cases = (suite.testcase ?? []).map((c): JunitCase => {
    const id = c.$.name.split(':')[0]!;
    if (c.failure) return { id, status: 'failed', message: c.failure[0]!.$.message, type: c.failure[0]!.$.type };
    if (c.skipped) return { id, status: 'skipped', message: c.skipped[0]!.$.message, type: null };
    return { id, status: 'passed', message: null, type: null };
  });
  return { tests: Number(suite.$.tests), failures: Number(suite.$.failures), skipped: Number(suite.$.skipped), cases };
}

export interface JsonCheck {
  id: string;
  status: CaseStatus;
  kind?: string;
  message?: string;
  reason?: string;
  steps: { title: string; status: string }[];
}

export function readResults(file: string): { checks: JsonCheck[] } {
  return JSON.parse(readFileSync(file, 'utf8')) as { checks: JsonCheck[] };
}

/** Check id → status, from a report directory's results.json. */
export function statuses(reportDir: string): Record<string, CaseStatus> {
  return Object.fromEntries(readResults(join(reportDir, 'results.json')).checks.map((c) => [c.id, c.status]));
}
