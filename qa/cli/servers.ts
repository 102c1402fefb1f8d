// Where the CLI finds the Pairkey relay and phone app: given once as the harness server's base URL
// (`--server`), or read from the variables the server itself is started with, so a person who
// started `PORT=39000 npm run serve` does not have to spell the same port three times.
// Before a browser starts, the relay is asked whether it is there: a missing relay is a sentence,
// not a 20-second Playwright timeout in the pairing popup.

export type Env = Readonly<Record<string, string | undefined>>;

/** A mistake on the command line: its sentence goes to stderr with the usage (exit 2). */
export class UsageError extends Error {}

/** A mistake on the command line: ours, or parseArgs's TypeError (with a code) for an unknown or malformed flag. */
export function isUsageError(error: unknown): error is Error {
  return error instanceof UsageError || (error instanceof TypeError && 'code' in error);
}

/** parseArgs options of every command that starts the extension with a phone (`qa`, `qa init`). */
export const SERVER_OPTIONS = {
  server: { type: 'string' },
  relay: { type: 'string' },
  'phone-app': { type: 'string' },
  extension: { type: 'string' },
} as const;

/** An absolute http(s) URL given as `--flag`, or a UsageError naming the flag. */
export function httpUrl(flag: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--${flag} must be an absolute URL (got "${text}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${flag} must be an http(s) URL (got "${text}")`);
  return url;
}

/** The server flags as given; `relayNamed`: a missing relay is then a wrong address, not a server not started. */
export function serverFlags(values: { server?: string; relay?: string; 'phone-app'?: string }): { flags: ServerFlags; relayNamed: boolean } {
  return {
    flags: {
      ...(values.server !== undefined ? { server: httpUrl('server', values.server) } : {}),
      ...(values.relay !== undefined ? { relay: httpUrl('relay', values.relay) } : {}),
      ...(values['phone-app'] !== undefined ? { phoneApp: httpUrl('phone-app', values['phone-app']) } : {}),
    },
    relayNamed: values.relay !== undefined || values.server !== undefined,
  };
}

export interface ServerFlags {
  server?: URL;
  relay?: URL;
  phoneApp?: URL;
}

export interface ResolvedServers {
  relayUrl: string;
  phoneAppUrl: string;
  /** The harness server's base URL when one was named (`--server`, PUBLIC_URL or PORT). */
  server: string | null;
}

const DEFAULT_PORT = 8787;
const DEFAULT_PHONE_PORT = 8788;

function withSlash(url: URL): string {
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

function origin(url: URL): string {
  return url.href.replace(/\/$/, '');
}

/**
 * `--relay` > `--server` > $PAIRKEY_RELAY_URL > the server's PUBLIC_URL > http://localhost:$PORT;
 * `--phone-app` > $PAIRKEY_PHONE_APP_URL > the server's PHONE_URL > $PHONE_PORT on the server's host.
 * The harness server's phone app listens on PHONE_PORT (default 8788) whatever PORT is, as
 * harness-server/config.ts does.
 */
export function resolveServers(flags: ServerFlags, env: Env): ResolvedServers {
  const fromEnv = env.PUBLIC_URL ? new URL(env.PUBLIC_URL) : env.PORT ? new URL(`http://localhost:${env.PORT}`) : null;
  const server = flags.server ?? fromEnv;
  const relay = flags.relay ?? flags.server ?? (env.PAIRKEY_RELAY_URL ? new URL(env.PAIRKEY_RELAY_URL) : null) ?? server ?? new URL(`http://localhost:${DEFAULT_PORT}`);
  const phoneHost = server ?? relay;
  const phone =
    flags.phoneApp ??
    (env.PAIRKEY_PHONE_APP_URL ? new URL(env.PAIRKEY_PHONE_APP_URL) : null) ??
    (env.PHONE_URL ? new URL(env.PHONE_URL) : null) ??
    new URL(`${phoneHost.protocol}//${phoneHost.hostname}:${env.PHONE_PORT ?? DEFAULT_PHONE_PORT}/`);
  return { relayUrl: origin(relay), phoneAppUrl: withSlash(phone), server: server ? origin(server) : null };
}

/** How long the relay gets to answer before it counts as absent. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Null when something answers HTTP at the relay's address (any status: a relay behind a proxy may
 * not serve /healthz), else the sentence to print.
 */
export async function relayProblem(relayUrl: string, flagGiven: boolean): Promise<string | null> {
  try {
    const response = await fetch(new URL('/healthz', relayUrl), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return null;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    const hint = flagGiven ? 'is the server running there?' : 'start `npm run serve` or pass --relay';
    return `no relay at ${relayUrl} — ${hint} (${cause})`;
  }
}
