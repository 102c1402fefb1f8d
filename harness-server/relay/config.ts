// Configuration of the relay-only server (`npx pairkey relay`, harness-server/relay-main.ts):
// PORT, HOST, LOG_LEVEL, TRUST_PROXY, RELAY_* and RELAY_BUS, nothing of the relying party or the phone app.
import { ConfigError, LOG_LEVELS, parseTrustProxy, readRelayBus, readRelayLimits, type LogLevel, type RelayBusConfig, type RelayLimits } from '../config.ts';

export interface RelayServerConfig {
  port: number;
  host: string;
  logLevel: LogLevel;
  relay: RelayLimits;
  relayBus: RelayBusConfig | null;
  /** TRUST_PROXY, as on the harness server: whose X-Forwarded-For the per-IP cap believes. */
  trustProxy: string[];
}

type Env = Record<string, string | undefined>;

export function loadRelayConfig(env: Env = process.env): RelayServerConfig {
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
  const port = int('PORT', 8789, 0, 65535);
  const host = read('HOST') ?? 'localhost';
  const relay = readRelayLimits(int);
  const relayBus = readRelayBus(read('RELAY_BUS'), int('RELAY_BUS_HEARTBEAT_MS', 1000, 100, 60_000), problems);
  const trustProxy = parseTrustProxy(read('TRUST_PROXY'), problems);
  const logLevelRaw = read('LOG_LEVEL') ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevelRaw}")`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { port, host, logLevel: logLevelRaw as LogLevel, relay, relayBus, trustProxy };
}
