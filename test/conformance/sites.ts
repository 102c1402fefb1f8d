// The conformance sites: one TCP port answering both HTTPS (any host name Chromium maps to it with
// --host-resolver-rules) and plain HTTP (the insecure-origin cases), told apart by the first byte
// of the connection. Every host serves the same harness page; /.well-known/webauthn answers from
// the corpus's related-origins table (WebAuthn L3 §5.11).
// The same port is also an HTTP proxy, for Firefox (which has no --host-resolver-rules): a CONNECT
// for any host is answered by the HTTPS server on that connection, and an absolute-URI request
// (`GET http://host/`) by the HTTP server, so every host name reaches these sites.
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ThrowAwayCert } from './tls.ts';

const HARNESS_JS = readFileSync(fileURLToPath(new URL('./page/harness.js', import.meta.url)), 'utf8');
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>conformance</title><script src="/harness.js"></script></head><body><p id="status">ready</p></body></html>`;

export interface Sites {
  port: number;
  close(): Promise<void>;
}

export async function startSites(cert: ThrowAwayCert, wellKnown: Record<string, string[]>): Promise<Sites> {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    // A proxied request carries the absolute URI; a direct one the path.
    const path = new URL(req.url ?? '/', 'http://proxied.invalid').pathname;
    if (path === '/harness.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(HARNESS_JS);
    } else if (path === '/.well-known/webauthn') {
      const origins = wellKnown[host];
      if (!origins) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ origins }));
    } else if (path === '/favicon.ico') {
      res.writeHead(404).end();
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
    }
  };
  const https = createHttpsServer({ cert: cert.cert, key: cert.key }, handle);
  const http = createHttpServer(handle);
  // Proxy: the tunnel's bytes are a TLS connection to the host named, which the HTTPS server
  // answers with the certificate that covers every corpus host.
  http.on('connect', (_req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    https.emit('connection', socket);
  });
  const sockets = new Set<Socket>();
  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      // 0x16: a TLS handshake record; anything else is plain HTTP.
      (first[0] === 0x16 ? https : http).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  return {
    port: (front.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
