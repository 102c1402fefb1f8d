// SMTP delivery on top of the outbox, against a minimal SMTP server (the one boundary these
// tests cannot run for real): a committed message is delivered, a rolled-back one is not.
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { openStore, type Store } from '../db/store.ts';
import { Mailer } from './mailer.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

/** Speaks just enough SMTP (RFC 5321) for nodemailer; each message is handed to `onMessage`. */
function smtpServer(onMessage: (message: Received) => void): Server {
  return createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let current: Received = { from: '', to: [], data: '' };
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            onMessage(current);
            current = { from: '', to: [], data: '' };
            socket.write('250 queued\r\n');
          } else {
            current.data += `${line}\n`;
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 test\r\n');
        else if (verb === 'MAIL') (current.from = line), socket.write('250 ok\r\n');
        else if (verb === 'RCPT') current.to.push(line), socket.write('250 ok\r\n');
        else if (verb === 'DATA') (inData = true), socket.write('354 go\r\n');
        else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
}

let store: Store | undefined;
let server: Server | undefined;
let mailer: Mailer | undefined;
afterEach(async () => {
  mailer?.close();
  store?.close();
  if (server) await new Promise((resolve) => server!.close(resolve));
});

it('delivers committed messages over SMTP and keeps every one in the outbox; rolled-back ones are not sent', async () => {
  const received: Received[] = [];
  let delivered!: () => void;
  const firstDelivery = new Promise<void>((resolve) => (delivered = resolve));
  server = smtpServer((message) => {
    received.push(message);
    delivered();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };

  store = openStore(':memory:');
  const silent = { error: () => undefined } as never;
  mailer = new Mailer(store, { from: 'Pairkey Demo <no-reply@localhost>', smtpUrl: `smtp://127.0.0.1:${port}`, devOutbox: true }, silent, () => 1);

  // Rolled back: the outbox row disappears and nothing goes out.
  expect(() =>
    store!.transaction(() => {
      mailer!.send(null, 'ghost@example.com', { subject: 'Never sent', body: 'rolled back' });
      throw new Error('abort');
    }),
  ).toThrow('abort');
  mailer.send(null, 'alice@example.com', { subject: 'Hello', body: 'A link: http://localhost:8787/verify-email#token=abc' });
  await firstDelivery;

  expect(received).toHaveLength(1);
  expect(received[0]!.to).toEqual(['RCPT TO:<alice@example.com>']);
  expect(received[0]!.data).toContain('Subject: Hello');
  expect(received[0]!.data).toContain('From: Pairkey Demo <no-reply@localhost>');
  expect(store.outbox.list().map((m) => m.to)).toEqual(['alice@example.com']);
});
