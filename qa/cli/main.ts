// `pairkey qa`: run the checks against a site described by a profile, in Chromium or Firefox with
// the Pairkey extension and a virtual phone, and report. Exit codes: 0 every check passed or was
// skipped, 1 a check failed, 2 the run could not start (usage, profile, browser).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHECKS, CHECK_IDS } from '../checks/index.ts';
import type { Check } from '../checks/types.ts';
import { AccountPool } from '../checks/support/given-accounts.ts';
import { AccountsError, givenAccountSpecs, resolveAccounts, type ResolvedAccount } from '../profile/accounts.ts';
import { loadProfile, ProfileError } from '../profile/load.ts';
import type { Profile } from '../profile/schema.ts';
import { githubAnnotations, terminalProgress, terminalSummary, type Write } from '../report/terminal.ts';
import { totals } from '../report/types.ts';
import { writeReports } from '../report/write.ts';
import { runChecks } from '../runner.ts';
import { BROWSERS, openSession, type BrowserName } from '../session.ts';
import { siblingOrigin } from '../sibling-server.ts';
import { httpUrl, relayProblem, resolveServers, serverFlags, SERVER_OPTIONS, isUsageError, UsageError, type Env } from './servers.ts';

export const BUNDLED_PROFILE = fileURLToPath(new URL('../profiles/pairkey-rp.yaml', import.meta.url));
const DEFAULT_TIMEOUT_SECONDS = 20;

export const USAGE = `Usage: pairkey qa [--site <url>] [--profile <file>] [--browser chromium|firefox] [options]
       pairkey qa init --site <url> [--out <file>] [--watch]   (draft a profile; qa init --help)

Runs passkey and two-factor checks against a site, in a browser with the Pairkey extension and a
virtual phone paired with it, and reports what passed, failed or was skipped.

  --site <url>          the site to test (default: the profile's "site")
  --profile <file>      site profile, JSON or YAML (default: the bundled relying party's,
                        qa/profiles/pairkey-rp.yaml)
  --browser <name>      chromium (default) or firefox
  --report-dir <dir>    write report.html, junit.xml and results.json there
  --accounts <file>     given accounts (YAML or JSON) to use instead of signing up
                        (default: $PAIRKEY_QA_ACCOUNTS, a file or the list itself, else
                        the profile's "accounts")
  --only <ids>          run only these checks (comma-separated ids, see --list)
  --skip <ids>          leave these checks out
  --server <url>        the Pairkey harness server (relay; its phone app on PHONE_PORT,
                        default 8788); also the site when the profile is the bundled one.
                        Default: the server's own PUBLIC_URL or PORT, else http://localhost:8787
  --relay <url>         the Pairkey relay (default: --server, $PAIRKEY_RELAY_URL)
  --phone-app <url>     the phone web app the pairing link names (default:
                        $PAIRKEY_PHONE_APP_URL, the server's PHONE_URL or PHONE_PORT)
  --extension <dir>     the unpacked extension (default: dist/chrome or dist/test/firefox,
                        under $PAIRKEY_DIST_DIR when set)
  --timeout <seconds>   how long a step waits for the site (default: the profile's
                        timeoutSeconds, else ${DEFAULT_TIMEOUT_SECONDS})
  --headed              show the browser window
  --list                list the checks and exit
  -h, --help            this text

Exit codes: 0 every check passed or was skipped, 1 a check failed, 2 usage, profile or browser error.`;

export interface Io {
  out: Write;
  err: Write;
}


function idList(flag: string, text: string | undefined): string[] | null {
  if (text === undefined) return null;
  const ids = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !CHECK_IDS.includes(id));
  if (unknown.length > 0) throw new UsageError(`--${flag}: unknown check ${unknown.join(', ')} (see --list)`);
  return ids;
}

interface Invocation {
  profile: Profile;
  profileFile: string;
  site: URL;
  browser: BrowserName;
  checks: Check[];
  reportDir: string | null;
  timeoutMs: number;
  launch: { relayUrl: string; phoneAppUrl: string; extensionDir?: string; headless: boolean };
  /** The relay was named explicitly (a missing one is then a wrong address, not a server not started). */
  relayNamed: boolean;
  /** Given accounts with their secrets read, and where they came from; null: checks sign up. */
  accounts: { accounts: ResolvedAccount[]; source: string } | null;
}

function parse(argv: string[], env: Env): Invocation | 'help' | 'list' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      site: { type: 'string' },
      profile: { type: 'string' },
      browser: { type: 'string' },
      'report-dir': { type: 'string' },
      accounts: { type: 'string' },
      only: { type: 'string' },
      skip: { type: 'string' },
      ...SERVER_OPTIONS,
      timeout: { type: 'string' },
      headed: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (values.list) return 'list';

  const browser = values.browser ?? 'chromium';
  if (!(BROWSERS as readonly string[]).includes(browser)) throw new UsageError(`--browser must be chromium or firefox (got "${browser}")`);
  const only = idList('only', values.only);
  const skip = idList('skip', values.skip);
  let timeoutSeconds: number | null = null;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds (got "${values.timeout}")`);
  }

  const named = serverFlags(values);
  const servers = resolveServers(named.flags, env);
  const profileFile = values.profile ?? BUNDLED_PROFILE;
  const external = values.accounts !== undefined || Boolean(env.PAIRKEY_QA_ACCOUNTS?.trim());
  const profile = loadProfile(profileFile, { givenAccounts: external });
  const given = givenAccountSpecs(values.accounts, env, profile.accounts);
  // The bundled profile describes the bundled RP, which is the harness server itself.
  const serverSite = profileFile === BUNDLED_PROFILE ? (servers.server ?? undefined) : undefined;
  const siteText = values.site ?? serverSite ?? profile.site;
  if (siteText === undefined) throw new UsageError('no site: pass --site <url> or set "site" in the profile');
  const site = httpUrl('site', siteText);

  return {
    profile,
    profileFile,
    site,
    browser: browser as BrowserName,
    checks: CHECKS.filter((c) => (only === null || only.includes(c.id)) && !(skip ?? []).includes(c.id)),
    reportDir: values['report-dir'] ?? null,
    timeoutMs: (timeoutSeconds ?? profile.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    relayNamed: named.relayNamed,
    accounts: given ? { accounts: resolveAccounts(given.specs, env, given.source), source: given.source } : null,
    launch: {
      relayUrl: servers.relayUrl,
      phoneAppUrl: servers.phoneAppUrl,
      ...(values.extension !== undefined ? { extensionDir: values.extension } : {}),
      headless: values.headed !== true,
    },
  };
}

function listChecks(io: Io): void {
  const width = Math.max(...CHECK_IDS.map((id) => id.length));
  for (const check of CHECKS) io.out(`${check.id.padEnd(width)}  ${check.title}\n${' '.repeat(width)}  ${check.requirement}`);
}

async function run(invocation: Invocation, io: Io, env: Env): Promise<number> {
  const { profile, site } = invocation;
  io.out(`Pairkey QA: ${profile.name} at ${site.href} in ${invocation.browser} (${invocation.checks.length} checks)`);
  const noRelay = await relayProblem(invocation.launch.relayUrl, invocation.relayNamed);
  if (noRelay !== null) {
    io.err(noRelay);
    return 2;
  }
  let session: Awaited<ReturnType<typeof openSession>>;
  try {
    session = await openSession(invocation.browser, invocation.launch);
  } catch (error) {
    io.err(`Could not start ${invocation.browser} with the Pairkey extension and a paired phone: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const sibling = siblingOrigin(profile.webauthn?.siblingOrigin);
  const pool = invocation.accounts ? new AccountPool(invocation.accounts.accounts) : null;
  try {
    const result = await runChecks({
      profile,
      profileFile: invocation.profileFile,
      site,
      checks: invocation.checks,
      session,
      timeoutMs: invocation.timeoutMs,
      progress: terminalProgress(io.out),
      siblingOrigin: sibling.url,
      accounts: pool && invocation.accounts ? { pool, source: invocation.accounts.source } : null,
    });
    terminalSummary(result, io.out);
    // What each given account went through: the next run must know which ones changed.
    if (pool) io.out(`Given accounts (${invocation.accounts!.source}):\n${pool.summary().map((line) => `  ${line}`).join('\n')}`);
    if (env.GITHUB_ACTIONS === 'true') githubAnnotations(result, io.out);
    if (invocation.reportDir) for (const file of writeReports(result, invocation.reportDir)) io.out(`wrote ${file}`);
    return totals(result).failed > 0 ? 1 : 0;
  } finally {
    await session.close();
    await sibling.close();
  }
}

/** `pairkey <args>`; resolves with the exit code. */
export async function main(argv: string[], io: Io, env: Env = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'qa') {
    io.err(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  // `pairkey qa init`: draft a profile for a site (qa/init/command.ts).
  if (rest[0] === 'init') return (await import('../init/command.ts')).runInit(rest.slice(1), io, env);
  let invocation: ReturnType<typeof parse>;
  try {
    invocation = parse(rest, env);
  } catch (error) {
    if (error instanceof ProfileError || error instanceof AccountsError) {
      io.err(error.message);
      return 2;
    }
    if (isUsageError(error)) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (invocation === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (invocation === 'list') {
    listChecks(io);
    return 0;
  }
  return run(invocation, io, env);
}
