// Entry point: `tsx harness-server/main.ts`. Starts the RP + relay and the phone app origin.
import { buildServers } from './app.ts';
import { insecureBanner, loadConfig, loadOrExit } from './config.ts';
import { connectPageUrl } from './connect/index.ts';
import { closeOnSignals } from './shutdown.ts';

async function main(): Promise<void> {
  const config = loadOrExit(() => loadConfig());
  const banner = insecureBanner(config);
  // Printed before anything else, and again once listening, so it cannot scroll out of sight.
  if (banner) console.error(banner);

  const { main: rp, phone } = await buildServers(config, { processMetrics: true });
  await rp.listen({ port: config.port, host: config.host });
  await phone.listen({ port: config.phonePort, host: config.host });

  closeOnSignals(() => Promise.all([rp.close(), phone.close()]));

  // Printed once the signal handlers are in place: whoever waits for these lines can stop us.
  console.log(`Relying party:  ${config.publicUrl}`);
  console.log(`Relay:          ${config.relayUrl}`);
  console.log(`Phone app:      ${config.phoneUrl}`);
  if (config.mail.devOutbox) console.log(`Email outbox:   ${new URL('dev/outbox', config.publicUrl).href}`);
  console.log('Load the extension from dist/chrome (Chrome) or dist/firefox (Firefox)');
  console.log(`Connect Pairkey: ${connectPageUrl(config.publicUrl)}  (open it in the browser with the extension, one click)`);
  if (banner) console.error(banner);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
