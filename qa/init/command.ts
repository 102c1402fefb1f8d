// `pairkey qa init --site URL`: open the site in Chromium with the Pairkey extension and a paired
// virtual phone, crawl it headless (or record a person's visit with --watch), and write a draft
// profile (YAML, with TODO comments on every guess) that validates against the profile schema.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ProfileError, validateProfile } from '../profile/load.ts';
import type { Write } from '../report/terminal.ts';
import { httpUrl, relayProblem, resolveServers, serverFlags, SERVER_OPTIONS, isUsageError, UsageError, type Env } from '../cli/servers.ts';
import { crawl } from './crawl.ts';
import { draftProfile } from './draft.ts';
import type { Crawl } from './findings.ts';
import { PhoneWatch } from './probe.ts';
import { watchVisit } from './watch.ts';
import { draftYaml } from './yaml.ts';

export const INIT_USAGE = `Usage: pairkey qa init --site <url> [--out <file>] [--watch] [options]

Opens the site in Chromium with the Pairkey extension and a virtual phone paired with it, finds
its forms, the buttons that start WebAuthn calls (the phone sees them through the extension),
where it writes results, and the requests that verify; then writes a draft site profile. Lines
marked TODO in the draft are guesses or gaps for you to check before \`pairkey qa --profile\`.

  --site <url>        the page to start from (required)
  --out <file>        write the draft there (default: print it)
  --watch             open a browser window and record while you sign up, sign in and sign out
                      yourself; close the window (or press Ctrl-C) when done. Without it, a
                      headless crawl of the start page and the pages it links to (one level)
                      uses what looks safe: never buttons that delete, remove, disable, reset or pay
  --server, --relay, --phone-app, --extension
                      as for \`pairkey qa\` (the relay the extension and phone meet on)
  --headed            show the browser during the crawl
  -h, --help          this text

Exit codes: 0 a draft was written, 2 usage error or the browser, extension or pairing could not start.`;

export interface InitIo {
  out: Write;
  err: Write;
}

/** `pairkey qa init <args>`; resolves with the exit code. */
export async function runInit(argv: string[], io: InitIo, env: Env): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (error) {
    if (isUsageError(error)) {
      io.err(`${error.message}\n\n${INIT_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (values === 'help') {
    io.out(INIT_USAGE);
    return 0;
  }
  const servers = resolveServers(values.flags, env);
  const noRelay = await relayProblem(servers.relayUrl, values.relayNamed);
  if (noRelay !== null) {
    io.err(noRelay);
    return 2;
  }
  // Progress goes to stderr when the draft itself is printed, so `> profile.yaml` captures only it.
  const log = values.out === null ? io.err : io.out;
  let launched: Awaited<ReturnType<typeof import('../fixtures/chromium.ts').launchPairkeyChromium>>;
  try {
    const { launchPairkeyChromium } = await import('../fixtures/chromium.ts');
    launched = await launchPairkeyChromium({
      relayUrl: servers.relayUrl,
      phoneAppUrl: servers.phoneAppUrl,
      ...(values.extension !== undefined ? { extensionDir: values.extension } : {}),
      headless: !(values.watch || values.headed),
      // Each request is held until the crawl says how to answer it (probe.ts).
      phone: { policy: 'wait' },
    });
  } catch (error) {
    io.err(`Could not start Chromium with the Pairkey extension and a paired phone: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const watch = new PhoneWatch(launched.phone);
  let found: Crawl;
  try {
    const page = launched.context.pages()[0] ?? (await launched.context.newPage());
    if (values.watch) {
      log(`Recording: use ${values.site.href} in the browser window (sign up, sign out, sign in), then close the window or press Ctrl-C.`);
      const stopped = new Promise<void>((resolve) => {
        launched.context.once('close', () => resolve());
        process.once('SIGINT', () => resolve());
      });
      found = await watchVisit({ start: values.site, context: launched.context, page, watch, log, done: stopped });
    } else {
      found = await crawl({ start: values.site, page, watch, log });
    }
  } catch (error) {
    io.err(`The ${values.watch ? 'recording' : 'crawl'} of ${values.site.href} stopped: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    watch.close();
    await launched.close().catch(() => undefined);
  }

  const draft = draftProfile(found);
  const text = draftYaml(draft);
  if (values.out === null) io.out(text);
  else writeFileSync(values.out, text);
  // The draft must load as a profile as it is (TODOs and all), so the person edits, never fixes syntax.
  try {
    validateProfile(parseYaml(text), values.out ?? '(the draft)');
  } catch (error) {
    if (!(error instanceof ProfileError)) throw error;
    io.err(`The draft does not validate (a bug of qa init; please report it with the draft): ${error.message}`);
    return 2;
  }
  const todos = text.split('\n').filter((line) => /^\s*#.*TODO/.test(line)).length;
  if (values.out !== null) io.out(`wrote ${values.out}: ${todos} TODO${todos === 1 ? '' : 's'} to check, then run \`pairkey qa --profile ${values.out}\``);
  return 0;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      site: { type: 'string' },
      out: { type: 'string' },
      watch: { type: 'boolean' },
      ...SERVER_OPTIONS,
      headed: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help' as const;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (values.site === undefined) throw new UsageError('--site <url> is required: the page to start from');
  return {
    site: httpUrl('site', values.site),
    out: values.out ?? null,
    watch: values.watch === true,
    headed: values.headed === true,
    extension: values.extension,
    ...serverFlags(values),
  };
}
