// The real relay alone, as a process the fault tests can SIGKILL and start again on the same port.
//   tsx test/security/support/relay-main.ts <port>
// Prints "relay ws://localhost:<port>" once it listens.
import { startRelay } from './relay-server.ts';

const port = Number(process.argv[2] ?? 0);
const relay = await startRelay(port, 'localhost');
process.stdout.write(`relay ${relay.url}\n`);
const stop = () => void relay.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
