// Server configuration from environment variables. Everything is validated up front so a
// typo fails at start with a message naming the variable, never later mid-request.

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RelayLimits {
  /** Largest WebSocket message accepted; larger ones close the socket with 1009. */
  maxFrameBytes: number;
  /** Concurrent relay sockets per client IP address. */
  maxConnectionsPerIp: number;
  /** A socket that forwards no frame for this long is closed with 4000 "idle". */
  idleTimeoutMs: number;
  /** Heartbeat period; a peer that missed the previous ping is terminated. */
  pingIntervalMs: number;
}

export interface Config {
  port: number;
  phonePort: number;
  host: string;
  /** Normalised RP base URL, e.g. `http://localhost:8787/`. */
  publicUrl: string;
  /** Phone app base URL; a pairing link is `${phoneUrl}#${payload}`. */
  phoneUrl: string;
  /** `ws(s)://…/relay`, derived from publicUrl; clients append `/<channelId>`. */
  relayUrl: string;
  /** Directory of the SQLite file, or `:memory:`. */
  dataDir: string;
  rp: { id: string; origin: string; name: string };
  relay: RelayLimits;
  logLevel: LogLevel;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Read and validate the configuration; throws one ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };

  const httpUrl = (name: string, fallback: string): URL | undefined => {
    const raw = read(name) ?? fallback;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      problems.push(`${name} must be an absolute URL (got "${raw}")`);
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`${name} must use http: or https: (got "${raw}")`);
      return undefined;
    }
    if (url.hash || url.search || url.username || url.password) {
      problems.push(`${name} must not contain credentials, a query or a fragment (got "${raw}")`);
      return undefined;
    }
    return url;
  };

  const port = int('PORT', 8787, 0, 65535);
  const phonePort = int('PHONE_PORT', 8788, 0, 65535);
  const host = read('HOST') ?? 'localhost';
  const publicUrl = httpUrl('PUBLIC_URL', `http://localhost:${port}`);
  const phoneUrl = httpUrl('PHONE_URL', `http://localhost:${phonePort}/`);

  // The phone app will hold private keys: sharing an origin with the RP would let RP pages
  // (or anything injected into them) read its storage.
  if (publicUrl && phoneUrl && publicUrl.origin === phoneUrl.origin) {
    problems.push(`PHONE_URL must not share an origin with PUBLIC_URL (both are ${publicUrl.origin})`);
  }
  if (port !== 0 && port === phonePort) problems.push(`PORT and PHONE_PORT must differ (both are ${port})`);

  // A trailing slash is a common way of writing an origin; the origin itself has none.
  const rpOrigin = (read('RP_ORIGIN') ?? publicUrl?.origin ?? '').replace(/\/$/, '');
  let rpOriginHost = '';
  try {
    const parsed = new URL(rpOrigin);
    if (parsed.origin !== rpOrigin) {
      problems.push(`RP_ORIGIN must be a bare origin such as https://example.com (got "${rpOrigin}")`);
    }
    rpOriginHost = parsed.hostname;
  } catch {
    if (publicUrl) problems.push(`RP_ORIGIN must be an origin such as https://example.com (got "${rpOrigin}")`);
  }

  const rpId = (read('RP_ID') ?? publicUrl?.hostname ?? '').toLowerCase();
  // WebAuthn requires the RP ID to be the origin's host or a registrable suffix of it.
  if (rpOriginHost && rpId !== rpOriginHost && !rpOriginHost.endsWith(`.${rpId}`)) {
    problems.push(`RP_ID "${rpId}" must equal the host of RP_ORIGIN (${rpOriginHost}) or be a parent domain of it`);
  }

  const rpName = read('RP_NAME') ?? 'Pairkey Demo';
  if (rpName.length > 64) problems.push('RP_NAME must be at most 64 characters');

  const relay: RelayLimits = {
    maxFrameBytes: int('RELAY_MAX_FRAME_BYTES', 65536, 1024, 16 * 1024 * 1024),
    maxConnectionsPerIp: int('RELAY_MAX_CONNECTIONS_PER_IP', 64, 1, 100_000),
    idleTimeoutMs: int('RELAY_IDLE_TIMEOUT_MS', 600_000, 50, 86_400_000),
    pingIntervalMs: int('RELAY_PING_INTERVAL_MS', 30_000, 50, 3_600_000),
  };

  const logLevelRaw = read('LOG_LEVEL') ?? 'warn';
  const logLevel = (LOG_LEVELS as readonly string[]).includes(logLevelRaw) ? (logLevelRaw as LogLevel) : 'warn';
  if (logLevel !== logLevelRaw) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevelRaw}")`);

  const dataDir = read('DATA_DIR') ?? '.data';

  if (problems.length > 0 || !publicUrl || !phoneUrl) throw new ConfigError(problems);

  const relayUrl = new URL('relay', publicUrl.href.endsWith('/') ? publicUrl : `${publicUrl.href}/`);
  relayUrl.protocol = publicUrl.protocol === 'https:' ? 'wss:' : 'ws:';

  return {
    port,
    phonePort,
    host,
    publicUrl: publicUrl.href,
    phoneUrl: phoneUrl.href,
    relayUrl: relayUrl.href,
    dataDir,
    rp: { id: rpId, origin: rpOrigin, name: rpName },
    relay,
    logLevel,
  };
}
