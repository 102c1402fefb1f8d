// The blind relay: `GET /relay/:channelId` upgrades to a WebSocket; two peers that know the
// same channel id meet there and exchange BINARY frames. The frames are end-to-end encrypted
// by the peers, and the relay treats them as opaque bytes: it never parses or logs them.
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { RelayLimits } from '../config.ts';
import { unencapsulated } from '../plugins/unencapsulated.ts';
import { ChannelRegistry, ConnectionLimiter } from './channels.ts';
import { CHANNEL_ID_PATTERN, CloseCode, type RelayControlMessage } from './messages.ts';

export interface RelayStats {
  channels: number;
  connections: number;
  framesForwarded: number;
  bytesForwarded: number;
  framesDropped: number;
}

export interface RelayHandle {
  stats(): RelayStats;
  /**
   * Calls `listener` with every socket the relay accepts and its upgrade request (benchmarks
   * timestamp frames from outside with it). Whatever the listener keeps stays alive.
   */
  onConnection(listener: (socket: WebSocket, request: IncomingMessage) => void): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    relay: RelayHandle;
  }
}

export interface RelayPluginOptions extends Record<string, unknown> {
  limits: RelayLimits;
}

// Checked after the upgrade so a bad id gets a WebSocket close 1008 with a reason instead of
// an HTTP 400 the client library would hide.
const ChannelId = Type.String({ pattern: CHANNEL_ID_PATTERN.source });

/** `/relay/<id>` (any query ignored, as Fastify's router did); the id is checked after the upgrade. */
const RELAY_PATH = /^\/relay\/([^/?]*)(?:\?.*)?$/;

// A receiver that stops reading must not make the relay buffer without bound: past this many
// queued bytes further frames to it are dropped (the sender is told, as for a missing peer).
const MAX_BUFFERED_FRAMES = 16;

const OPEN = 1; // WebSocket.OPEN, without importing the ws runtime for one constant

interface Connection {
  socket: WebSocket;
  channelId: string;
  address: string;
  /** Cleared at each ping, set by the pong: false at the next tick means a dead peer. */
  alive: boolean;
  idleTimer: NodeJS.Timeout;
}

export const relayPlugin = unencapsulated<RelayPluginOptions>('pairkey-relay', async (app, { limits }) => {
  const channels = new ChannelRegistry<Connection>();
  const limiter = new ConnectionLimiter(limits.maxConnectionsPerIp);
  const connections = new Set<Connection>();
  const counters = { framesForwarded: 0, bytesForwarded: 0, framesDropped: 0 };
  const log: FastifyBaseLogger = app.log.child({ component: 'relay' });
  let closing = false;

  const send = (socket: WebSocket, message: RelayControlMessage): void => {
    if (socket.readyState === OPEN) socket.send(JSON.stringify(message));
  };

  const announcePeers = (channelId: string): void => {
    const members = channels.members(channelId);
    for (const member of members) send(member.socket, { type: 'peers', count: members.length });
  };

  const heartbeat = setInterval(() => {
    for (const connection of connections) {
      if (!connection.alive) {
        log.debug({ channels: channels.channelCount }, 'relay peer missed a heartbeat; terminating');
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }, limits.pingIntervalMs);
  heartbeat.unref();

  const onFrame = (connection: Connection, data: RawData, isBinary: boolean): void => {
    const { socket } = connection;
    if (!isBinary) {
      socket.close(CloseCode.unsupportedData, 'text frames are not accepted');
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data;
    const other = channels.other(connection.channelId, connection);
    const maxBuffered = MAX_BUFFERED_FRAMES * limits.maxFrameBytes;
    if (!other || other.socket.readyState !== OPEN || other.socket.bufferedAmount > maxBuffered) {
      counters.framesDropped++;
      send(socket, { type: 'dropped' });
      return;
    }
    other.socket.send(bytes, { binary: true });
    counters.framesForwarded++;
    counters.bytesForwarded += bytes.byteLength;
    connection.idleTimer.refresh();
  };

  // Upgrades are taken straight from the HTTP server rather than through a Fastify route
  // (@fastify/websocket): a route keeps its request, reply and ServerResponse alive as long as
  // the socket, 2.7 KiB of heap per connection (docs/performance.md). Here a connection keeps
  // only its socket and the Connection below. `ws` enforces the frame size (1009).
  const server = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, clientTracking: true });

  const accept = (socket: WebSocket, channelId: string, address: string): void => {
    // Errors on an established socket (oversize frame, bad UTF-8, reset) are already answered
    // by ws with the right close code; terminating here would discard that close frame.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      log.debug({ code: error.code, message: error.message }, 'relay socket error');
      if (socket.readyState === OPEN) socket.close(CloseCode.internalError, 'internal error');
    });
    if (closing) {
      socket.close(CloseCode.goingAway, 'server shutting down');
      return;
    }
    if (!Value.Check(ChannelId, channelId)) {
      socket.close(CloseCode.policyViolation, 'invalid channel id');
      return;
    }
    if (!limiter.acquire(address)) {
      socket.close(CloseCode.policyViolation, 'too many connections');
      return;
    }

    const connection: Connection = {
      socket,
      channelId,
      address,
      alive: true,
      idleTimer: setTimeout(() => socket.close(CloseCode.idle, 'idle'), limits.idleTimeoutMs),
    };
    if (!channels.join(channelId, connection, (member) => member.socket.readyState !== OPEN)) {
      clearTimeout(connection.idleTimer);
      limiter.release(address);
      socket.close(CloseCode.policyViolation, 'channel full');
      return;
    }
    connections.add(connection);
    log.debug({ members: channels.members(channelId).length }, 'relay peer joined a channel');

    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data, isBinary) => onFrame(connection, data, isBinary));
    socket.once('close', () => {
      clearTimeout(connection.idleTimer);
      connections.delete(connection);
      limiter.release(address);
      const left = channels.leave(channelId, connection);
      log.debug({ members: left.length }, 'relay peer left a channel');
      announcePeers(channelId);
    });
    announcePeers(channelId);
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const match = request.method === 'GET' ? RELAY_PATH.exec(request.url ?? '') : null;
    if (!match) {
      // No other route of this server speaks WebSocket.
      socket.on('error', () => socket.destroy());
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // The TCP peer, as request.ip is with trustProxy off; read now, the socket may go.
    const address = request.socket.remoteAddress ?? '';
    server.handleUpgrade(request, socket, head, (ws) => {
      server.emit('connection', ws, request);
      accept(ws, match[1] ?? '', address);
    });
  };
  app.server.on('upgrade', onUpgrade);

  app.decorate('relay', {
    stats: (): RelayStats => ({ channels: channels.channelCount, connections: connections.size, ...counters }),
    onConnection: (listener) => {
      server.on('connection', listener);
    },
  } satisfies RelayHandle);

  // Tell every peer the server is going away (1001) rather than a bare close.
  app.addHook('preClose', async () => {
    closing = true;
    clearInterval(heartbeat);
    await closeAll([...server.clients]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

/** Close sockets with 1001, then terminate any that have not finished the handshake in 1 s. */
async function closeAll(sockets: WebSocket[]): Promise<void> {
  const closed = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        if (socket.readyState === 3 /* CLOSED */) return resolve();
        socket.once('close', () => resolve());
        socket.close(CloseCode.goingAway, 'server shutting down');
      }),
  );
  const grace = setTimeout(() => sockets.forEach((socket) => socket.terminate()), 1000);
  await Promise.all(closed);
  clearTimeout(grace);
}
