// The real relay (harness-server/relay) on its own Fastify instance, for the suites that need
// nothing else from the harness (the hostile relay, the browser suites, the killable relay
// process of the fault tests): they keep working whatever the RP does.
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import type { RelayLimits } from '../../../harness-server/config.ts';
import { relayPlugin } from '../../../harness-server/relay/index.ts';

// The harness defaults, with room for the many sockets one test process opens.
const LIMITS: RelayLimits = {
  maxFrameBytes: 65_536,
  maxConnectionsPerIp: 1_000,
  idleTimeoutMs: 600_000,
  pingIntervalMs: 30_000,
};

export interface RunningRelay {
  /** ws://host:port, the base every relay socket URL is built on. */
  url: string;
  close(): Promise<void>;
}

/** `host` "localhost" listens on every loopback address the name resolves to, as the harness does. */
export async function startRelay(port = 0, host = '127.0.0.1'): Promise<RunningRelay> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(relayPlugin, { limits: LIMITS });
  await app.listen({ port, host });
  const { port: bound } = app.server.address() as AddressInfo;
  return { url: `ws://${host}:${bound}`, close: () => app.close() };
}
