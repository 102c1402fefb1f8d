// The blind relay: `GET /relay/:channelId` upgrades to a WebSocket; two peers that know the
// same channel id meet there and exchange BINARY frames. The frames are end-to-end encrypted
// by the peers, and the relay treats them as opaque bytes: it never parses or logs them.
// The one message it does read is a socket's first, its join message: the proof that it may
// take a seat on the channel (shared/protocol/relay-seat.ts, docs/protocol.md §5.1).
// With a bus (RELAY_BUS, bus.ts) the other seat may be held on another relay node.
import { Value } from '@sinclair/typebox/value';
import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { joinProvesSeat, RelayJoinSchema, type RelayJoin, type SeatSide } from '../../shared/protocol/relay-seat.ts';
import { isRelayChannelId, RelayCloseCode as CloseCode, type RelayControl } from '../../shared/protocol/relay-contract.ts';
import { clientAddress, TRUST_NO_PROXY, type ProxyTrust } from '../client-network.ts';
import type { RelayLimits } from '../config.ts';
import { unencapsulated } from '../plugins/unencapsulated.ts';
import { RelayBus, type BusSeat, type RelayBusOptions } from './bus.ts';
import { ChannelRegistry, ConnectionLimiter } from './channels.ts';
import { notReady, READY } from '../observability/index.ts';
import { noRelayMetrics, prometheusRelayMetrics, type RelayMetrics } from './metrics.ts';
import { RelayPush, type RelayPushOptions } from './push/index.ts';
import { generatedVapidKeys } from './push/vapid-keys.ts';

export interface RelayStats {
  channels: number;
  connections: number;
  framesForwarded: number;
  bytesForwarded: number;
  framesDropped: number;
  /** Sockets terminated because they did not read what the relay had queued for them. */
  socketsOverflowed: number;
  /** Bytes queued in the relay's own send buffers, over every socket (a gauge, for tests and benchmarks). */
  bufferedBytes: number;
}

export interface RelayHandle {
  stats(): RelayStats;
  /** Ready to take channels: always without a bus; with one, while it is connected. */
  ready(): boolean;
  /** The bus, when RELAY_BUS is set (tests wait on `whenReady`). */
  readonly bus: RelayBus | null;
  /** The VAPID public key phones subscribe with (push/). */
  readonly pushPublicKey: string;
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
  /** TRUST_PROXY: whose X-Forwarded-For names the client its per-IP cap counts (default: nobody's). */
  trustProxy?: ProxyTrust;
  /** Share channels with other relay nodes through NATS; null/absent: in process only. */
  bus?: RelayBusOptions | null;
  /** Default: on the server's observability registry when it has one (registered before the relay), else none. */
  metrics?: RelayMetrics;
  /** Web Push for channel members (push/); default: a fresh VAPID key pair, 6 per channel per minute. */
  push?: RelayPushOptions;
}

/** `/relay/<id>` (any query ignored, as Fastify's router did); the id is checked after the upgrade. */
const RELAY_PATH = /^\/relay\/([^/?]*)(?:\?.*)?$/;

// A receiver that stops reading must not make the relay buffer without bound: past this many
// queued bytes further frames to it are dropped (the sender is told, as for a missing peer), and
// a control frame the relay would add to it closes it instead (it is not reading them either).
const MAX_BUFFERED_FRAMES = 16;

// A socket has this long to send its join message; until then it holds no seat.
const JOIN_TIMEOUT_MS = 10_000;

const OPEN = 1; // WebSocket.OPEN, without importing the ws runtime for one constant

interface Connection {
  /** Names this seat holder on the bus (claims, greetings); never shown to clients. */
  id: string;
  socket: WebSocket;
  channelId: string;
  address: string;
  /** The seat it proved with its join message; null until then. */
  seat: SeatSide | null;
  /** Cleared at each ping, set by the pong: false at the next tick means a dead peer. */
  alive: boolean;
  /** Until the join message: closes a socket that sends none. Then: closes it when idle. */
  timer: NodeJS.Timeout;
  /** Dropped frames not reported yet, and whether a `dropped` notice is still on its way out. */
  dropsUnreported: number;
  dropNoticeInFlight: boolean;
  /** With a bus: this seat as the bus sees it (the remote peer, if the other seat is on another node). */
  busSeat: BusSeat | null;
  /** Its first `peers` count has been sent (with a bus, after the other seat answered or did not). */
  announced: boolean;
}

export const relayPlugin = unencapsulated<RelayPluginOptions>('pairkey-relay', async (app, { limits, trustProxy = TRUST_NO_PROXY, bus: busOptions, metrics: metricsOption, push: pushOptions }) => {
  const observed = app.hasDecorator('observability');
  const metrics = metricsOption ?? (observed ? prometheusRelayMetrics(app.observability.metrics) : noRelayMetrics);
  const channels = new ChannelRegistry<Connection>();
  const limiter = new ConnectionLimiter(limits.maxConnectionsPerIp);
  const connections = new Set<Connection>();
  const counters = { framesForwarded: 0, bytesForwarded: 0, framesDropped: 0, socketsOverflowed: 0 };
  const maxBuffered = MAX_BUFFERED_FRAMES * limits.maxFrameBytes;
  const log: FastifyBaseLogger = app.log.child({ component: 'relay' });
  let closing = false;
  const push = new RelayPush(pushOptions ?? { keys: generatedVapidKeys(), subject: 'mailto:relay@localhost', perMinute: 6 }, log);
  // The sending side's bound on the bus: as much as one slow reader may hold here, times 4.
  const bus = busOptions ? new RelayBus(busOptions, log, metrics, 4 * maxBuffered) : null;
  // Without its bus a node cannot take channels: balancers must send clients elsewhere.
  if (bus && observed) {
    app.observability.registerReadinessCheck('bus', () => (bus.ready ? READY : notReady('The relay bus (NATS) is not connected.')));
  }

  /**
   * Every frame the relay itself writes goes through here, under one bound: a socket whose send
   * buffer already holds more than `maxBuffered` bytes is not reading, and is terminated (a close
   * frame would only queue behind the rest) so its buffers are freed at once.
   */
  const sendControl = (connection: Connection, message: RelayControl, sent?: () => void): void => {
    const { socket } = connection;
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > maxBuffered) {
      counters.socketsOverflowed++;
      log.debug('relay peer does not read its frames; terminating');
      socket.terminate();
      return;
    }
    socket.send(JSON.stringify(message), sent);
  };

  /**
   * `dropped` notices are coalesced: at most one is on its way to a socket at a time (until the
   * kernel took it), and it counts every frame dropped since the previous one. A sender that floods
   * an empty channel and never reads therefore queues one small notice, not one per frame.
   */
  const reportDropped = (connection: Connection): void => {
    if (connection.dropNoticeInFlight || connection.dropsUnreported === 0) return;
    const count = connection.dropsUnreported;
    connection.dropsUnreported = 0;
    connection.dropNoticeInFlight = true;
    sendControl(connection, { type: 'dropped', count }, () => {
      connection.dropNoticeInFlight = false;
      reportDropped(connection);
    });
  };

  /** Members of the connection's channel: itself, plus the other seat held here or on another node. */
  const peerCount = (connection: Connection): number =>
    channels.other(connection.channelId, connection) || connection.busSeat?.remotePresent ? 2 : 1;

  const announcePeers = (channelId: string): void => {
    for (const member of channels.members(channelId)) {
      if (member.announced) sendControl(member, { type: 'peers', count: peerCount(member) });
    }
  };

  const closeSocket = (connection: Connection, code: number, reason: string): void => {
    // One that does not read would hold its buffers until the close handshake timed out.
    if (connection.socket.bufferedAmount > maxBuffered) connection.socket.terminate();
    else connection.socket.close(code, reason);
  };

  /** Writes a frame to the connection's socket, or drops it when the socket does not read; false if dropped. */
  const deliver = (to: Connection, bytes: Uint8Array): boolean => {
    if (to.socket.readyState !== OPEN || to.socket.bufferedAmount > maxBuffered) return false;
    to.socket.send(bytes, { binary: true });
    counters.framesForwarded++;
    counters.bytesForwarded += bytes.byteLength;
    metrics.framesForwarded(1, bytes.byteLength);
    return true;
  };

  const dropped = (connection: Connection, count: number): void => {
    counters.framesDropped += count;
    metrics.framesDropped(count);
    connection.dropsUnreported += count;
    reportDropped(connection);
  };

  /** The bus side of a seat: frames and news of the other seat when it is held on another node. */
  const joinBus = (connection: Connection, side: SeatSide): BusSeat | null =>
    bus?.seat(connection.channelId, side, connection.id, {
      onRemotePeer: (_present, replaced) => {
        if (!connection.announced || channels.other(connection.channelId, connection)) return;
        // As when a local seat changes hands: the session with the previous holder is over.
        if (replaced) sendControl(connection, { type: 'peers', count: 1 });
        sendControl(connection, { type: 'peers', count: peerCount(connection) });
      },
      onFrame: (bytes) => {
        if (!deliver(connection, bytes)) {
          counters.framesDropped++;
          metrics.framesDropped(1);
          connection.busSeat?.reportDropped(1);
        }
      },
      onDropped: (count) => {
        connection.dropsUnreported += count;
        reportDropped(connection);
      },
      onDisplaced: () => closeSocket(connection, CloseCode.seatTaken, 'seat taken'),
    }) ?? null;

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
      // The one kind of TEXT frame after the join: a request to the relay itself (push/).
      const text = (Array.isArray(data) ? Buffer.concat(data) : (data as Buffer)).toString('utf8');
      if (!push.handle(connection.channelId, connection.address, text, (control) => sendControl(connection, control))) {
        socket.close(CloseCode.unsupportedData, 'text frames are not accepted');
      }
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : (data as Buffer);
    const other = channels.other(connection.channelId, connection);
    const sent = other ? deliver(other, bytes) : (connection.busSeat?.send(bytes) ?? false);
    if (!sent) {
      dropped(connection, 1);
      return;
    }
    connection.timer.refresh();
  };

  // Upgrades are taken straight from the HTTP server rather than through a Fastify route
  // (@fastify/websocket): a route keeps its request, reply and ServerResponse alive as long as
  // the socket, 2.7 KiB of heap per connection (docs/performance.md). Here a connection keeps
  // only its socket and the Connection below. `ws` enforces the frame size (1009).
  const server = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, clientTracking: true });

  /** The socket's first message: its join proof. Anything else, or a wrong proof, closes it. */
  const onJoin = (connection: Connection, data: RawData, isBinary: boolean): void => {
    const { socket, channelId } = connection;
    const join = isBinary ? undefined : parseJoin(data);
    if (!join || !joinProvesSeat(channelId, join)) {
      socket.close(CloseCode.policyViolation, 'invalid join');
      return;
    }
    if (bus && !bus.ready) {
      // Without the bus this node cannot know who holds the channel's seats elsewhere.
      socket.close(CloseCode.tryAgainLater, 'relay bus unavailable');
      return;
    }
    clearTimeout(connection.timer);
    connection.timer = setTimeout(() => socket.close(CloseCode.idle, 'idle'), limits.idleTimeoutMs);
    connection.seat = join.seat;
    const displaced = channels.take(channelId, join.seat, connection);
    if (displaced) {
      // The other member saw the displaced holder as its peer: tell it that one left (its
      // session with it is over) before announcing the newcomer.
      const other = channels.other(channelId, connection);
      if (other) sendControl(other, { type: 'peers', count: 1 });
      closeSocket(displaced, CloseCode.seatTaken, 'seat taken');
    }
    log.debug({ members: channels.members(channelId).length, displaced: displaced !== undefined }, 'relay peer joined a channel');
    connection.busSeat = joinBus(connection, join.seat);
    const announce = (): void => {
      if (channels.other(channelId, connection) !== undefined || connection.socket.readyState !== OPEN) {
        connection.announced = true;
        announcePeers(channelId);
        return;
      }
      connection.announced = true;
      sendControl(connection, { type: 'peers', count: peerCount(connection) });
    };
    // With the other seat not here, its holder may be on another node: the first count waits
    // for its answer (a few ms), so the joiner hears one count, as it would on a single node.
    if (connection.busSeat && !channels.other(channelId, connection)) void connection.busSeat.settled.then(announce);
    else announce();
  };

  const accept = (socket: WebSocket, channelId: string, address: string): void => {
    // Errors on an established socket (oversize frame, bad UTF-8, reset) are already answered
    // by ws with the right close code; terminating here would discard that close frame.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      log.debug({ code: error.code, message: error.message }, 'relay socket error');
      if (socket.readyState === OPEN) socket.close(CloseCode.internalError, 'internal error');
    });
    metrics.connectionOpened();
    socket.once('close', (code) => metrics.connectionClosed(code));
    if (closing) {
      socket.close(CloseCode.goingAway, 'server shutting down');
      return;
    }
    if (!isRelayChannelId(channelId)) {
      socket.close(CloseCode.policyViolation, 'invalid channel id');
      return;
    }
    if (!limiter.acquire(address)) {
      socket.close(CloseCode.policyViolation, 'too many connections');
      return;
    }

    const connection: Connection = {
      id: randomUUID(),
      socket,
      channelId,
      address,
      seat: null,
      alive: true,
      timer: setTimeout(() => socket.close(CloseCode.policyViolation, 'no join'), Math.min(JOIN_TIMEOUT_MS, limits.idleTimeoutMs)),
      dropsUnreported: 0,
      dropNoticeInFlight: false,
      busSeat: null,
      announced: false,
    };
    connections.add(connection);

    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      // Whatever one client sends must never take the process (the RP and every channel) down.
      try {
        if (connection.seat) onFrame(connection, data, isBinary);
        else onJoin(connection, data, isBinary);
      } catch (error) {
        log.error({ err: error }, 'relay message handler failed');
        socket.close(CloseCode.internalError, 'internal error');
      }
    });
    socket.once('close', () => {
      clearTimeout(connection.timer);
      connections.delete(connection);
      limiter.release(address);
      connection.busSeat?.release();
      // A displaced socket no longer holds its seat: its leaving changes nothing for the others.
      if (channels.leave(channelId, connection)) {
        log.debug({ members: channels.members(channelId).length }, 'relay peer left a channel');
        announcePeers(channelId);
      }
    });
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const match = request.method === 'GET' ? RELAY_PATH.exec(request.url ?? '') : null;
    if (!match) {
      // No other route of this server speaks WebSocket.
      socket.on('error', () => socket.destroy());
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // The client's address as request.ip would give it (TRUST_PROXY); read now, the socket may go.
    const address = clientAddress(request, trustProxy);
    server.handleUpgrade(request, socket, head, (ws) => {
      server.emit('connection', ws, request);
      accept(ws, match[1] ?? '', address);
    });
  };
  app.server.on('upgrade', onUpgrade);

  const stats = (): RelayStats => {
    let bufferedBytes = 0;
    for (const socket of server.clients) bufferedBytes += socket.bufferedAmount;
    return { channels: channels.channelCount, connections: connections.size, ...counters, bufferedBytes };
  };
  metrics.observe(stats);
  // The same key as the `push-key` request gives, for operators and phones' documentation.
  app.get('/relay/push-key', async () => ({ publicKey: push.publicKey }));

  app.decorate('relay', {
    stats,
    ready: () => !bus || bus.ready,
    bus,
    pushPublicKey: push.publicKey,
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
    await bus?.close();
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

function parseJoin(data: RawData): RelayJoin | undefined {
  try {
    const value: unknown = JSON.parse((Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString('utf8'));
    return Value.Check(RelayJoinSchema, value) ? value : undefined;
  } catch {
    return undefined;
  }
}
