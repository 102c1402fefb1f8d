// Entry point of the relay-only server: `npx pairkey relay` or `npm run relay`
// (configuration: docs/server.md "Relay-only server").
import { loadOrExit } from './config.ts';
import { loadRelayConfig } from './relay/config.ts';
import { buildRelayServer } from './relay/server.ts';

async function main(): Promise<void> {
  const config = loadOrExit(() => loadRelayConfig());
  const { relay } = await buildRelayServer(config, { processMetrics: true });
  await relay.listen({ port: config.port, host: config.host });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1); // a second Ctrl-C means "now"
    stopping = true;
    console.log(`${signal} received, shutting down…`);
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Error while shutting down:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

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
