// Server configuration from environment variables. Everything is validated up front so a
// typo fails at start with a message naming the variable, never later mid-request.
import { compile as compileProxyTrust } from '@fastify/proxy-addr';
import { isIP } from 'node:net';
import { DEFAULT_PUSH_HOSTS, PUSH_HOST_PATTERN } from './relay/push/push-hosts.ts';

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

/** RELAY_BUS: the NATS servers relay nodes share channels through (harness-server/relay/bus.ts). */
export interface RelayBusConfig {
  servers: string[];
  /** RELAY_BUS_HEARTBEAT_MS: node heartbeat period; a node silent for 3 periods is taken for dead. */
  heartbeatMs: number;
}

/** RELAY_VAPID_*, RELAY_PUSH_PER_MINUTE and RELAY_PUSH_HOSTS: the relay's Web Push sender (relay/push/). */
export interface RelayPushConfig {
  /** RELAY_VAPID_PUBLIC_KEY + RELAY_VAPID_PRIVATE_KEY; null: DATA_DIR/vapid.json (made on first start). */
  vapid: { publicKey: string; privateKey: string } | null;
  /** RELAY_VAPID_SUBJECT: a mailto: or https: URL where push services can reach the operator. */
  subject: string;
  perMinute: number;
  /** RELAY_PUSH_HOSTS: the push service hosts posted to (relay/push/push-hosts.ts): the defaults plus these, or 'any' (`*`). */
  hosts: readonly string[] | 'any';
}

/**
 * The protections a QA harness may switch off to prove its checks catch each weakness.
 * Key: the setting in Config.protections; value: its environment variable. All default on.
 */
export const QA_SWITCHES = {
  totpReplayProtection: 'QA_TOTP_REPLAY_PROTECTION',
  rateLimiting: 'QA_RATE_LIMITING',
  singleUseBackupCodes: 'QA_SINGLE_USE_BACKUP_CODES',
  challengeExpiry: 'QA_CHALLENGE_EXPIRY',
  signCountCheck: 'QA_SIGN_COUNT_CHECK',
  reauthBeforeDisable: 'QA_REAUTH_BEFORE_DISABLE',
  requireUserVerification: 'QA_REQUIRE_UV',
  originCheck: 'QA_ORIGIN_CHECK',
} as const;
export type Protection = keyof typeof QA_SWITCHES;
export type Protections = Readonly<Record<Protection, boolean>>;
export const PROTECTIONS = Object.keys(QA_SWITCHES) as Protection[];
/** The acknowledgement that lets a server start with any protection off. */
export const INSECURE_QA_FLAG = 'PAIRKEY_INSECURE_QA';

export const OTP_ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
export type OtpAlgorithm = (typeof OTP_ALGORITHMS)[number];

/** How one-time codes are issued (RFC 6238 / RFC 4226) and checked. */
export interface OtpPolicy {
  algorithm: OtpAlgorithm;
  digits: 6 | 8;
  /** TOTP time step, seconds. */
  period: number;
  /** Accepted TOTP clock drift, in whole steps either side of now. */
  driftSteps: number;
  /** otpauth issuer shown by authenticator apps. */
  issuer: string;
  /** HOTP look-ahead (resync) window: codes up to this many counters ahead are accepted. */
  hotpLookAhead: number;
}

/** Throttling and recovery timing (NIST SP 800-63B §5.2.2, ASVS V2.2). */
export interface AuthPolicy {
  /** Consecutive failures on one account that trigger a lockout (≤ 100 as NIST requires). */
  lockoutThreshold: number;
  lockoutMs: number;
  /** Requests per minute one IP address may make to each sign-in / verification route. */
  ipRateLimitPerMinute: number;
  /** Delay between confirming a "lost everything" recovery by email and the 2FA reset. */
  recoveryWaitMs: number;
}

export interface MailConfig {
  /** Sender of every message. */
  from: string;
  /** nodemailer SMTP URL; null: messages only go to the local outbox. */
  smtpUrl: string | null;
  /** Serve the outbox at /dev/outbox (anyone who can reach it reads every message). */
  devOutbox: boolean;
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
  /** null: the relay keeps its channels in process (the default). */
  relayBus: RelayBusConfig | null;
  relayPush: RelayPushConfig;
  logLevel: LogLevel;
  otp: OtpPolicy;
  auth: AuthPolicy;
  /**
   * RP_VERIFY_WORKERS: worker threads that check passkey signatures, so the request thread serves
   * other requests meanwhile (docs/performance.md); 0: checked on the request thread.
   */
  rpVerifyWorkers: number;
  mail: MailConfig;
  /** 32-byte server key (base64url) from SERVER_KEY; null: kept in DATA_DIR/server.key. */
  serverKey: string | null;
  protections: Protections;
  /** PAIRKEY_INSECURE_QA=1: the operator accepts running with protections off. */
  insecureQa: boolean;
  /**
   * TRUST_PROXY: addresses, CIDRs or named ranges (loopback, linklocal, uniquelocal) of the
   * reverse proxies / load balancers in front of this server. Their X-Forwarded-For is believed;
   * empty: no proxy, the TCP peer is the client.
   */
  trustProxy: string[];
}

/** Names @fastify/proxy-addr (Fastify's trustProxy) accepts for whole ranges. */
export const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;

/**
 * TRUST_PROXY's value: comma- or space-separated IPv4/IPv6 addresses, CIDRs and range names.
 * Problems go to `problems`. Shared with the relay-only server's config.
 */
export function parseTrustProxy(raw: string | undefined, problems: string[]): string[] {
  const entries = (raw ?? '').split(/[\s,]+/).filter((entry) => entry !== '');
  const valid: string[] = [];
  for (const entry of entries) {
    // Every proxy is named explicitly: "trust everyone" would let any client choose the
    // address its per-IP limits are counted against.
    const [address = '', prefix, extra] = entry.split('/');
    // node:net is strict where proxy-addr is lenient (it takes "1.2.3" for 1.2.0.3).
    const wellFormed =
      (PROXY_RANGE_NAMES as readonly string[]).includes(entry) ||
      (isIP(address) !== 0 && extra === undefined && (prefix === undefined || /^\d{1,3}$/.test(prefix)));
    try {
      if (!wellFormed) throw new Error('not an address');
      compileProxyTrust([entry]);
      valid.push(entry);
    } catch {
      problems.push(
        `TRUST_PROXY entries must be IP addresses, CIDRs (10.0.0.0/8) or ${PROXY_RANGE_NAMES.join(', ')} (got "${entry}")`,
      );
    }
  }
  return valid;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/**
 * Readers of one environment that note every problem in `problems` (so one ConfigError can list
 * them all): `read` gives a trimmed value or undefined for unset/empty, `int` an integer in range.
 */
export function envReaders(env: Env, problems: string[]): { read: (name: string) => string | undefined; int: IntReader } {
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
  return { read, int };
}

/** `load()`, or the ConfigError's list of problems on stderr and exit code 2 (entry points). */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/** Read and validate the configuration; throws one ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const { read, int } = envReaders(env, problems);

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

  const relay = readRelayLimits(int);

  const relayBus = readRelayBus(read('RELAY_BUS'), int('RELAY_BUS_HEARTBEAT_MS', 1000, 100, 60_000), problems);
  const relayPush = readRelayPush(read, int, problems);

  const logLevelRaw = read('LOG_LEVEL') ?? 'warn';
  const logLevel = (LOG_LEVELS as readonly string[]).includes(logLevelRaw) ? (logLevelRaw as LogLevel) : 'warn';
  if (logLevel !== logLevelRaw) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevelRaw}")`);

  const dataDir = read('DATA_DIR') ?? '.data';

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = read(name)?.toLowerCase() ?? fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${read(name)}")`);
    return fallback;
  };
  const onOff = (name: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'on', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'off', 'false', 'no'].includes(raw)) return false;
    problems.push(`${name} must be on or off (got "${raw}")`);
    return fallback;
  };

  const otp: OtpPolicy = {
    algorithm: oneOf('TOTP_ALGORITHM', OTP_ALGORITHMS, 'sha1'),
    digits: oneOf('TOTP_DIGITS', ['6', '8'] as const, '6') === '8' ? 8 : 6,
    period: int('TOTP_PERIOD', 30, 15, 120),
    driftSteps: int('TOTP_DRIFT_STEPS', 1, 0, 10),
    issuer: read('TOTP_ISSUER') ?? rpName,
    hotpLookAhead: int('HOTP_LOOK_AHEAD', 10, 0, 100),
  };
  if (otp.issuer.includes(':')) problems.push('TOTP_ISSUER must not contain ":" (it separates issuer and account in otpauth labels)');

  const auth: AuthPolicy = {
    lockoutThreshold: int('LOCKOUT_THRESHOLD', 5, 1, 100),
    lockoutMs: int('LOCKOUT_MINUTES', 15, 1, 1440) * 60_000,
    ipRateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 30, 1, 10_000),
    recoveryWaitMs: int('RECOVERY_WAIT_MINUTES', 3 * 24 * 60, 0, 30 * 24 * 60) * 60_000,
  };

  const rpVerifyWorkers = int('RP_VERIFY_WORKERS', 1, 0, 16);

  const smtpUrl = read('SMTP_URL') ?? null;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) problems.push(`SMTP_URL must start with smtp:// or smtps:// (got "${smtpUrl}")`);
  const mail: MailConfig = {
    from: read('MAIL_FROM') ?? `${rpName} <no-reply@${rpId || 'localhost'}>`,
    smtpUrl,
    // With real delivery configured the outbox page would only leak mail; opt back in explicitly.
    devOutbox: onOff('DEV_OUTBOX', smtpUrl === null),
  };

  const serverKey = read('SERVER_KEY') ?? null;
  if (serverKey !== null && !/^[A-Za-z0-9_-]{43}$/.test(serverKey)) {
    problems.push('SERVER_KEY must be 32 bytes in unpadded base64url (43 characters)');
  }

  const protections = Object.fromEntries(
    PROTECTIONS.map((name) => [name, onOff(QA_SWITCHES[name], true)]),
  ) as Record<Protection, boolean>;
  const insecureQa = read(INSECURE_QA_FLAG) === '1';
  const trustProxy = parseTrustProxy(read('TRUST_PROXY'), problems);
  const off = PROTECTIONS.filter((name) => !protections[name]);
  if (off.length > 0 && !insecureQa) {
    problems.push(
      `${off.map((name) => QA_SWITCHES[name]).join(', ')} turn${off.length === 1 ? 's' : ''} a protection off: ` +
        `refusing to start without ${INSECURE_QA_FLAG}=1`,
    );
  }

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
    relayBus,
    relayPush,
    logLevel,
    otp,
    auth,
    rpVerifyWorkers,
    mail,
    serverKey,
    protections,
    insecureQa,
    trustProxy,
  };
}

/** The protections that are off, by environment variable name. */
export function disabledProtections(config: Pick<Config, 'protections'>): string[] {
  return PROTECTIONS.filter((name) => !config.protections[name]).map((name) => QA_SWITCHES[name]);
}

/**
 * Defence in depth for configs built by hand: a server with a protection off starts only when
 * the operator said so. loadConfig already enforces this for the environment.
 */
export function assertQaAcknowledged(config: Pick<Config, 'protections' | 'insecureQa'>): void {
  const off = disabledProtections(config);
  if (off.length > 0 && !config.insecureQa) {
    throw new ConfigError([`${off.join(', ')} off without ${INSECURE_QA_FLAG}=1`]);
  }
}

/** The banner main.ts prints when protections are off; null when everything is on. */
export function insecureBanner(config: Pick<Config, 'protections'>): string | null {
  const off = disabledProtections(config);
  if (off.length === 0) return null;
  const lines = [
    'INSECURE QA MODE: THIS SERVER IS DELIBERATELY VULNERABLE',
    'Protections switched off:',
    ...off.map((name) => `  - ${name}=off`),
    'Use it only to calibrate QA tooling. Never expose it or keep real data in it.',
  ];
  const width = Math.max(...lines.map((line) => line.length));
  const bar = '!'.repeat(width + 8);
  return [bar, ...lines.map((line) => `!!  ${line.padEnd(width)}  !!`), bar].join('\n');
}

type IntReader = (name: string, fallback: number, min: number, max: number) => number;

/** The RELAY_* limits, shared by the harness server and the relay-only server (relay/config.ts). */
export function readRelayLimits(int: IntReader): RelayLimits {
  return {
    maxFrameBytes: int('RELAY_MAX_FRAME_BYTES', 65536, 1024, 16 * 1024 * 1024),
    maxConnectionsPerIp: int('RELAY_MAX_CONNECTIONS_PER_IP', 64, 1, 100_000),
    idleTimeoutMs: int('RELAY_IDLE_TIMEOUT_MS', 600_000, 50, 86_400_000),
    pingIntervalMs: int('RELAY_PING_INTERVAL_MS', 30_000, 50, 3_600_000),
  };
}

/** `nats://host:port[,nats://host:port…]` → the server list; problems are collected, not thrown. */
export function readRelayBus(raw: string | undefined, heartbeatMs: number, problems: string[]): RelayBusConfig | null {
  if (raw === undefined) return null;
  const servers = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const server of servers) {
    let url: URL | undefined;
    try {
      url = new URL(server);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'nats:' && url.protocol !== 'tls:') || !url.hostname || url.pathname.replace(/\/$/, '') !== '' || url.search || url.hash) {
      problems.push(`RELAY_BUS must be a comma-separated list of nats://host:port URLs (got "${server}")`);
      return null;
    }
  }
  if (servers.length === 0) {
    problems.push('RELAY_BUS must name at least one nats://host:port URL');
    return null;
  }
  return { servers, heartbeatMs };
}

/** The relay's Web Push settings (RELAY_VAPID_*, RELAY_PUSH_PER_MINUTE, RELAY_PUSH_HOSTS), shared with relay/config.ts. */
export function readRelayPush(read: (name: string) => string | undefined, int: IntReader, problems: string[]): RelayPushConfig {
  const publicKey = read('RELAY_VAPID_PUBLIC_KEY');
  const privateKey = read('RELAY_VAPID_PRIVATE_KEY');
  let vapid: RelayPushConfig['vapid'] = null;
  if (publicKey !== undefined || privateKey !== undefined) {
    if (!publicKey || !/^[A-Za-z0-9_-]{87}$/.test(publicKey) || !privateKey || !/^[A-Za-z0-9_-]{43}$/.test(privateKey)) {
      problems.push('RELAY_VAPID_PUBLIC_KEY and RELAY_VAPID_PRIVATE_KEY must be set together: a P-256 key pair in unpadded base64url (87 and 43 characters, e.g. from `npx web-push generate-vapid-keys`)');
    } else {
      vapid = { publicKey, privateKey };
    }
  }
  const subject = read('RELAY_VAPID_SUBJECT') ?? 'mailto:relay@localhost';
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(subject)) {
    problems.push(`RELAY_VAPID_SUBJECT must be a mailto: address or an https: URL (got "${subject}")`);
  }
  return { vapid, subject, perMinute: int('RELAY_PUSH_PER_MINUTE', 6, 1, 600), hosts: readPushHosts(read('RELAY_PUSH_HOSTS'), problems) };
}

/** RELAY_PUSH_HOSTS: unset → the default push services; `*` → any public host; else comma-separated extra host patterns. */
function readPushHosts(value: string | undefined, problems: string[]): RelayPushConfig['hosts'] {
  if (value === undefined) return DEFAULT_PUSH_HOSTS;
  if (value.trim() === '*') return 'any';
  const extra = value.split(',').map((pattern) => pattern.trim().toLowerCase()).filter((pattern) => pattern !== '');
  const bad = extra.filter((pattern) => !PUSH_HOST_PATTERN.test(pattern));
  if (bad.length > 0) problems.push(`RELAY_PUSH_HOSTS must be \`*\` or comma-separated host names, each may start with \`*.\` (got "${bad.join('", "')}")`);
  return [...DEFAULT_PUSH_HOSTS, ...extra];
}
