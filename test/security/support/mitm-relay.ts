// A hostile relay under test control: a WebSocket man-in-the-middle in front of the real relay.
// Clients dial ws://proxy/<label>/relay/<channelId> (or /relay/<channelId>, label "client"); the
// proxy dials the real relay's /relay/<channelId>, records every frame in both directions and
// lets the test drop, duplicate, replace, hold (delay, reorder) or inject frames. The label only
// names the client in the log (clients keep a relay URL's path as a base), so tests can tell
// which side sent what.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { notifyChange, until } from './until.ts';

export type Direction = 'to-relay' | 'to-client';

export interface CapturedFrame {
  /** Order of arrival at the proxy, over all connections. */
  seq: number;
  connection: ProxiedConnection;
  direction: Direction;
  data: Buffer;
  binary: boolean;
}

/**
 * What to do with a frame: forward these frames in its place (the frame itself, nothing, two
 * copies, a tampered copy…), or hold it until the test releases it.
 */
export type Verdict = Buffer[] | 'hold';
export type Interceptor = (frame: CapturedFrame) => Verdict;

export interface HeldFrame {
  frame: CapturedFrame;
  release(): void;
}

export class ProxiedConnection {
  readonly #pending: { data: Buffer; binary: boolean }[] = [];

  constructor(
    readonly id: number,
    readonly label: string,
    readonly channelId: string,
    readonly client: WebSocket,
    readonly upstream: WebSocket,
  ) {}

  /** Send bytes as if the relay (to-client) or the client (to-relay) had sent them. */
  send(direction: Direction, data: Buffer, binary = true): void {
    if (direction === 'to-client') {
      if (this.client.readyState === WebSocket.OPEN) this.client.send(data, { binary });
    } else if (this.upstream.readyState === WebSocket.OPEN) {
      this.upstream.send(data, { binary });
    } else if (this.upstream.readyState === WebSocket.CONNECTING) {
      this.#pending.push({ data, binary });
    }
  }

  flushPending(): void {
    for (const { data, binary } of this.#pending.splice(0)) this.upstream.send(data, { binary });
  }

  /** Cut both sockets at once, as a crashing relay would. */
  kill(): void {
    this.client.terminate();
    this.upstream.terminate();
  }
}

export class MitmRelay {
  readonly frames: CapturedFrame[] = [];
  readonly connections: ProxiedConnection[] = [];
  readonly held: HeldFrame[] = [];
  interceptor: Interceptor = (frame) => [frame.data];
  readonly #sockets = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  readonly #listeners: Server[];
  readonly #upstreamBase: string;
  #seq = 0;

  private constructor(listeners: Server[], upstreamBase: string) {
    this.#listeners = listeners;
    this.#upstreamBase = upstreamBase.replace(/\/+$/, '');
    for (const listener of listeners) {
      listener.on('upgrade', (request, socket, head) => {
        this.#sockets.handleUpgrade(request, socket, head, (client) => this.#accept(client, request.url ?? '/'));
      });
    }
  }

  /**
   * `upstream`: the real relay's base, e.g. ws://127.0.0.1:1234 (its sockets live at /relay/<id>).
   * The proxy listens on 127.0.0.1 and, where the machine has it, ::1, like a server on
   * "localhost": browsers and Node may try either address for that name.
   */
  static async start(upstream: string, port = 0): Promise<MitmRelay> {
    const v4 = createServer();
    v4.listen(port, '127.0.0.1');
    await once(v4, 'listening');
    const listeners = [v4];
    const v6 = createServer();
    try {
      v6.listen((v4.address() as AddressInfo).port, '::1');
      await once(v6, 'listening');
      listeners.push(v6);
    } catch {
      // no IPv6 loopback here: 127.0.0.1 alone serves "localhost"
    }
    return new MitmRelay(listeners, upstream);
  }

  get port(): number {
    return (this.#listeners[0]!.address() as AddressInfo).port;
  }

  /** The relay URL to give a client, labelled so the log says who is who. */
  url(label: string): string {
    return `ws://127.0.0.1:${this.port}/${label}`;
  }

  #accept(client: WebSocket, path: string): void {
    const match = /^(?:\/([^/]+))?\/relay\/([^/?#]+)/.exec(path);
    if (!match) {
      client.close(1008, 'unknown path');
      return;
    }
    const label = match[1] ?? 'client';
    const channelId = match[2]!;
    const upstream = new WebSocket(`${this.#upstreamBase}/relay/${channelId}`);
    const connection = new ProxiedConnection(this.connections.length, label, channelId, client, upstream);
    this.connections.push(connection);
    notifyChange();

    upstream.on('open', () => connection.flushPending());
    upstream.on('message', (data, binary) => this.#onFrame(connection, 'to-client', data, binary));
    client.on('message', (data, binary) => this.#onFrame(connection, 'to-relay', data, binary));
    upstream.on('close', (code, reason) => {
      // A relay that vanished (1006) vanishes for the client too; a clean close stays clean.
      if (client.readyState === WebSocket.OPEN && code !== 1006) client.close(closable(code), reason.toString());
      else client.terminate();
      notifyChange();
    });
    client.on('close', (code, reason) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.close(closable(code), reason.toString());
      else upstream.terminate();
      notifyChange();
    });
    upstream.on('error', () => client.terminate());
    client.on('error', () => upstream.terminate());
  }

  #onFrame(connection: ProxiedConnection, direction: Direction, raw: WebSocket.RawData, binary: boolean): void {
    const data = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as Buffer);
    const frame: CapturedFrame = { seq: this.#seq++, connection, direction, data, binary };
    this.frames.push(frame);
    const verdict = this.interceptor(frame);
    if (verdict === 'hold') {
      let released = false;
      this.held.push({
        frame,
        release: () => {
          if (released) return;
          released = true;
          connection.send(direction, data, binary);
        },
      });
    } else {
      for (const out of verdict) connection.send(direction, out, binary);
    }
    notifyChange();
  }

  /** The first captured frame from `fromSeq` on that matches, waiting for it if needed. */
  nextFrame(match: (frame: CapturedFrame) => boolean, fromSeq = 0, what = 'a frame'): Promise<CapturedFrame> {
    return until(() => this.frames.find((f) => f.seq >= fromSeq && match(f)), what);
  }

  get nextSeq(): number {
    return this.#seq;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.kill();
    await Promise.all(this.#listeners.map((listener) => new Promise<void>((resolve) => listener.close(() => resolve()))));
  }
}

/** Close codes 1005/1006/1015 describe a close and may not be sent in one. */
function closable(code: number): number {
  return code === 1005 || code === 1006 || code === 1015 || code < 1000 ? 1000 : code;
}
