// Baseline for the relay: the least a `ws` server can do to rendezvous two sockets on a channel
// and forward BINARY frames between them, speaking the same wire protocol (`peers` and `dropped`
// control messages) but without Fastify, limits, heartbeats or idle timers. The ratio of the real
// relay to this one is the cost of everything the relay adds on top of the library.
import { WebSocketServer, type WebSocket } from 'ws';
import { heapCensus, untilIdle } from '../lib/heap.ts';
import { serveParent } from '../lib/serve-parent.ts';

const port = Number(process.env.BARE_RELAY_PORT);
const channels = new Map<string, Set<WebSocket>>();
let framesForwarded = 0;

function announce(members: Set<WebSocket>): void {
  const text = JSON.stringify({ type: 'peers', count: members.size });
  for (const m of members) m.send(text);
}

const server = new WebSocketServer({ port, host: '127.0.0.1', maxPayload: 65536, perMessageDeflate: false, clientTracking: false });
server.on('connection', (socket, request) => {
  const id = (request.url ?? '').replace(/^\/relay\//, '');
  let members = channels.get(id);
  if (!members) channels.set(id, (members = new Set()));
  if (members.size >= 2) {
    socket.close(1008, 'channel full');
    return;
  }
  members.add(socket);
  socket.on('message', (data, isBinary) => {
    if (!isBinary) return;
    for (const other of members) {
      if (other === socket) continue;
      other.send(data as Buffer, { binary: true });
      framesForwarded++;
      return;
    }
    socket.send('{"type":"dropped"}');
  });
  socket.once('close', () => {
    members.delete(socket);
    if (members.size === 0) channels.delete(id);
    else announce(members);
  });
  announce(members);
});
await new Promise<void>((resolve) => server.once('listening', () => resolve()));

serveParent({
  stats: () => ({ relay: { framesForwarded, connections: [...channels.values()].reduce((n, m) => n + m.size, 0) }, memory: process.memoryUsage(), cpu: process.cpuUsage() }),
  gc: () => globalThis.gc?.(),
  idle: () => untilIdle(() => channels.size),
  'heap-census': () => heapCensus(),
});

process.on('SIGTERM', () => process.exit(0));
