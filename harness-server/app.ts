// Builds the two servers: `main` (the relying party and the relay, on PORT) and `phone`
// (the phone app origin, on PHONE_PORT). Listening is left to the caller.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';
import { proxyTrust, type ProxyTrust } from './client-network.ts';
import { assertQaAcknowledged, type Config } from './config.ts';
import { connectPlugin } from './connect/index.ts';
import { observabilityPlugin } from './observability/index.ts';
import { sqliteReadiness } from './observability/sqlite-check.ts';
import { phoneAppPlugin } from './phone-app/index.ts';
import { securityHeaders } from './plugins/security-headers.ts';
import { relayPlugin } from './relay/index.ts';
import { relayPushOptions } from './relay/push/options.ts';
import { loadServerKey } from './rp/crypto/server-key.ts';
import { rpPlugin } from './rp/index.ts';
import { storePlugin } from './rp/plugins/store.ts';
import { rpSettings, type RpSettings } from './rp/settings.ts';

export interface Servers {
  /** Relying party + relay (`/relay/:channelId`). */
  main: FastifyInstance;
  /** Phone app origin (the built phone web app). */
  phone: FastifyInstance;
}

export interface BuildOptions {
  /** Where pino writes (default stdout); tests capture it. */
  logStream?: DestinationStream;
  /** RP knobs tests override: clock, TTLs, scrypt cost. */
  rp?: Partial<RpSettings>;
  /** Export process metrics (CPU, memory, event loop) on /metrics; main.ts turns it on, tests leave it off. */
  processMetrics?: boolean;
}

function serverOptions(config: Config, options: BuildOptions, trust: ProxyTrust | false): FastifyServerOptions {
  const logger = options.logStream
    ? { level: config.logLevel, stream: options.logStream }
    : { level: config.logLevel };
  return {
    logger,
    // Bodies are small JSON documents (WebAuthn responses are a few KiB).
    bodyLimit: 64 * 1024,
    // Closing keep-alive connections promptly lets SIGINT finish without waiting for browsers.
    forceCloseConnections: true,
    // TRUST_PROXY: request.ip is the forwarded client address when the peer is a trusted proxy.
    trustProxy: trust,
  };
}

/**
 * Returns the instances wrapped in an object: a Fastify instance is thenable, so returning
 * one bare from an async function would await (boot) it instead of handing it back.
 */
export async function buildServers(config: Config, options: BuildOptions = {}): Promise<Servers> {
  assertQaAcknowledged(config);
  // One trust function for Fastify and the relay, so both see the same client address.
  const trust = proxyTrust(config.trustProxy);
  const main = Fastify(serverOptions(config, options, config.trustProxy.length > 0 ? trust : false));
  const phone = Fastify(serverOptions(config, options, false));
  try {
    await main.register(securityHeaders, { https: new URL(config.publicUrl).protocol === 'https:' });
    // First: every later plugin may register metrics and readiness checks on it.
    await main.register(observabilityPlugin, { processMetrics: options.processMetrics ?? false });
    await main.register(relayPlugin, { limits: config.relay, trustProxy: trust, bus: config.relayBus, push: relayPushOptions(config.relayPush, config.dataDir) });
    await main.register(storePlugin, { dataDir: config.dataDir }); // main.store
    main.observability.registerReadinessCheck('database', sqliteReadiness(main.store.db));
    const serverKey = loadServerKey(config.dataDir, config.serverKey);
    await main.register(rpPlugin, { settings: rpSettings(config, serverKey, options.rp) });
    // "Connect Pairkey to this server" (/connect and its declaration): works on any port.
    await main.register(connectPlugin, { declaration: { relayUrl: config.relayUrl, phoneUrl: config.phoneUrl } });

    await phone.register(securityHeaders, { https: new URL(config.phoneUrl).protocol === 'https:' });
    await phone.register(phoneAppPlugin);

    await Promise.all([main.ready(), phone.ready()]);
  } catch (error) {
    await Promise.allSettled([main.close(), phone.close()]);
    throw error;
  }
  return { main, phone };
}
