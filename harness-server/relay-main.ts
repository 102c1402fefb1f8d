// Entry point of the relay-only server: `npx pairkey relay` or `npm run relay`
// (configuration: docs/server.md "Relay-only server").
import { loadOrExit } from './config.ts';
import { loadRelayConfig } from './relay/config.ts';
import { buildRelayServer } from './relay/server.ts';
import { closeOnSignals } from './shutdown.ts';

async function main(): Promise<void> {
  const config = loadOrExit(() => loadRelayConfig());
  const { relay } = await buildRelayServer(config, { processMetrics: true });
  await relay.listen({ port: config.port, host: config.host });

  closeOnSignals(() => relay.close());

  // Printed once the signal handlers are in place: whoever waits for this line can stop us.
  const address = relay.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  console.log(`Relay:          ws://${host}:${port}/relay`);
  console.log(`Bus:            ${config.relayBus ? config.relayBus.servers.join(', ') : 'none (channels in this process)'}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
