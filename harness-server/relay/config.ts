// Configuration of the relay-only server (`npx pairkey relay`, harness-server/relay-main.ts):
// PORT, HOST, LOG_LEVEL, TRUST_PROXY, DATA_DIR (the VAPID key pair), RELAY_* and RELAY_BUS, nothing of the relying party or the phone app.
import { ConfigError, envReaders, LOG_LEVELS, parseTrustProxy, readRelayBus, readRelayLimits, readRelayPush, type Env, type LogLevel, type RelayBusConfig, type RelayLimits, type RelayPushConfig } from '../config.ts';

export interface RelayServerConfig {
  port: number;
  host: string;
  logLevel: LogLevel;
  relay: RelayLimits;
  relayBus: RelayBusConfig | null;
  relayPush: RelayPushConfig;
  /** DATA_DIR: where the VAPID key pair is kept when RELAY_VAPID_* is not set (`:memory:`: a fresh one per start). */
  dataDir: string;
  /** TRUST_PROXY, as on the harness server: whose X-Forwarded-For the per-IP cap believes. */
  trustProxy: string[];
}

export function loadRelayConfig(env: Env = process.env): RelayServerConfig {
  const problems: string[] = [];
  const { read, int } = envReaders(env, problems);
  const port = int('PORT', 8789, 0, 65535);
  const host = read('HOST') ?? 'localhost';
  const relay = readRelayLimits(int);
  const relayBus = readRelayBus(read('RELAY_BUS'), int('RELAY_BUS_HEARTBEAT_MS', 1000, 100, 60_000), problems);
  const relayPush = readRelayPush(read, int, problems);
  const dataDir = read('DATA_DIR') ?? '.data';
  const trustProxy = parseTrustProxy(read('TRUST_PROXY'), problems);
  const logLevelRaw = read('LOG_LEVEL') ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevelRaw}")`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { port, host, logLevel: logLevelRaw as LogLevel, relay, relayBus, relayPush, dataDir, trustProxy };
}
