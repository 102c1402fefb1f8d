// The relay-only server: the relay plugin with health and readiness probes and Prometheus
// metrics (harness-server/observability), without the relying party or the phone app
// (`npx pairkey relay`, relay-main.ts). Listening is left to the caller.
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { proxyTrust } from '../client-network.ts';
import { observabilityPlugin } from '../observability/index.ts';
import type { RelayServerConfig } from './config.ts';
import { relayPlugin } from './index.ts';
import { relayPushOptions } from './push/options.ts';

export interface RelayServerOptions {
  logStream?: DestinationStream;
  /** Process metrics (CPU, memory, GC): on for a node that runs alone, off for many in one test process. */
  processMetrics?: boolean;
}

/** Wrapped in an object: a Fastify instance is thenable (docs/development.md). */
export async function buildRelayServer(config: RelayServerConfig, options: RelayServerOptions = {}): Promise<{ relay: FastifyInstance }> {
  const trust = proxyTrust(config.trustProxy);
  const app = Fastify({
    logger: options.logStream ? { level: config.logLevel, stream: options.logStream } : { level: config.logLevel },
    forceCloseConnections: true,
    trustProxy: config.trustProxy.length > 0 ? trust : false,
  });
  try {
    // First: the relay registers its metrics and its bus readiness check on it.
    await app.register(observabilityPlugin, { processMetrics: options.processMetrics ?? false });
    await app.register(relayPlugin, { limits: config.relay, trustProxy: trust, bus: config.relayBus, push: relayPushOptions(config.relayPush, config.dataDir) });
    await app.ready();
  } catch (error) {
    await app.close();
    throw error;
  }
  return { relay: app };
}
