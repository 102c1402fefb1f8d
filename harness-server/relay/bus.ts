// The relay bus (RELAY_BUS=nats://…): lets the two seats of one channel sit on different relay
// nodes. Design and races: docs/server.md "Relay across nodes". In short:
//
// - A node subscribes to `pairkey.relay.<channel>.<seat>.*` while one of its sockets holds that
//   seat, so NATS routes a channel's traffic only to the (at most two) nodes that hold its seats.
// - `…<seat>.f`: a frame for that seat's holder (the same opaque ciphertext the socket sent).
//   `…<seat>.d`: how many of that holder's frames the other node could not deliver.
//   `…<seat>.c`: a claim by a newer holder of the seat; the older holder yields (4001), so the
//   seat has one holder cluster-wide and the channel at most two members.
//   `…<seat>.h`: hello (request/reply) from the other seat's new holder; the reply says who holds
//   this seat, so both ends learn each other (→ `peers` 2). No responders → no peer (→ `peers` 1).
//   `…<seat>.l`: the other seat's holder left (→ `peers` 1).
// - Every node publishes a heartbeat on `pairkey.relay.nodes`; a node silent for 3 periods is
//   dead, and every remote peer it held is gone (its sockets died with it).
// The bus never sees a token or a join: only channel names (public, hashes) and ciphertext.
import { connect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { SeatSide } from '../../shared/protocol/relay-seat.ts';

export interface RelayBusOptions {
  /** NATS server URLs (`nats://host:port`). */
  servers: string[];
  /** Node heartbeat period; a node silent for 3 periods is taken for dead. */
  heartbeatMs: number;
}

/** What the bus tells the relay about one seat its node holds. */
export interface SeatEvents {
  /** The remote peer (the other seat, held on another node) arrived, left, or was replaced. */
  onRemotePeer(present: boolean, replaced: boolean): void;
  /** A frame from the remote peer, for this seat's socket. */
  onFrame(bytes: Uint8Array): void;
  /** The remote peer's node could not deliver `count` of this seat's frames. */
  onDropped(count: number): void;
  /** A newer holder of this seat joined on another node. */
  onDisplaced(): void;
}

/** One seat held on this node, as seen from the bus. */
export interface BusSeat {
  /** The other seat is held on another node, as far as this node knows. */
  readonly remotePresent: boolean;
  /** Settles once the first greeting to the other seat got its answer (a peer, none, or the bus went away). */
  readonly settled: Promise<void>;
  /** Publishes a frame to the remote peer; false when there is none or the bus cannot take it now. */
  send(bytes: Uint8Array): boolean;
  /** This node could not deliver `count` frames of the remote peer: tell its node (coalesced). */
  reportDropped(count: number): void;
  /** The socket left: unsubscribe and tell the other seat. */
  release(): void;
}

export interface BusMetrics {
  busRoundTrip(ms: number): void;
  busReady(ready: boolean): void;
}

interface Holder {
  id: string;
  node: string;
}
interface Claim extends Holder {
  at: number;
}

const PREFIX = 'pairkey.relay';
const NODES_SUBJECT = `${PREFIX}.nodes`;
const HELLO_TIMEOUT_MS = 2000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

function parse<T>(msg: Msg): T | undefined {
  try {
    return JSON.parse(decoder.decode(msg.data)) as T;
  } catch {
    return undefined;
  }
}

const otherSide = (side: SeatSide): SeatSide => (side === 'extension' ? 'phone' : 'extension');

/** A claim is newer than another by its time, then by id (any total order works; both ends compute the same). */
const newer = (a: Claim, b: Claim): boolean => a.at > b.at || (a.at === b.at && a.id > b.id);

export class RelayBus {
  readonly nodeId = randomUUID();
  #nc: NatsConnection | null = null;
  #ready = false;
  #closed = false;
  readonly #seats = new Set<SeatState>();
  /** Last heartbeat seen from each other node (ms, this node's clock). */
  readonly #nodesSeen = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  #lastTick = Date.now();
  readonly #readyListeners: ((ready: boolean) => void)[] = [];
  /** Sender-side bound: past this many bytes queued towards NATS, frames are dropped, not queued. */
  readonly #maxBacklog: number;

  constructor(
    private readonly options: RelayBusOptions,
    private readonly log: FastifyBaseLogger,
    private readonly metrics: BusMetrics,
    maxBacklogBytes: number,
  ) {
    this.#maxBacklog = maxBacklogBytes;
    this.#timer = setInterval(() => this.#tick(), options.heartbeatMs);
    this.#timer.unref();
    void this.#connect();
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Called whenever readiness changes (the bus connected, lost, or came back). */
  onReadyChange(listener: (ready: boolean) => void): void {
    this.#readyListeners.push(listener);
  }

  /** Resolves once the bus is connected (for tests and startup logs); rejects if it is closed first. */
  async whenReady(): Promise<void> {
    if (this.#ready) return;
    await new Promise<void>((resolve) => this.#readyListeners.push((ready) => ready && resolve()));
  }

  seat(channel: string, side: SeatSide, id: string, events: SeatEvents): BusSeat {
    const state = new SeatState(this, channel, side, { id, node: this.nodeId, at: Date.now() }, events);
    this.#seats.add(state);
    if (this.#nc && this.#ready) state.attach(this.#nc);
    return state;
  }

  /** @internal */ forget(state: SeatState): void {
    this.#seats.delete(state);
  }

  /** @internal */ canPublish(): boolean {
    return this.#ready && this.#backlog() <= this.#maxBacklog;
  }

  /** @internal */ markNodeSeen(node: string): void {
    if (node !== this.nodeId && !this.#nodesSeen.has(node)) this.#nodesSeen.set(node, Date.now());
  }

  /** @internal */ get connection(): NatsConnection | null {
    return this.#ready ? this.#nc : null;
  }

  get logger(): FastifyBaseLogger {
    return this.log;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    const nc = this.#nc;
    if (!nc) return;
    try {
      if (this.#ready) nc.publish(NODES_SUBJECT, json({ node: this.nodeId, gone: true }));
      await nc.drain();
    } catch {
      await nc.close().catch(() => undefined);
    }
  }

  /**
   * Bytes queued in the NATS client's socket. nats.js exposes no public figure for it, so this
   * reads the transport's socket; if a later version moves it, the bound is simply not applied.
   */
  #backlog(): number {
    const transport = (this.#nc as unknown as { protocol?: { transport?: { socket?: { writableLength?: number } } } } | null)?.protocol?.transport;
    return transport?.socket?.writableLength ?? 0;
  }

  async #connect(): Promise<void> {
    // The first connection is retried for ever: a node started before its bus waits, not ready.
    let nc: NatsConnection | undefined;
    while (!nc && !this.#closed) {
      try {
        nc = await connect({
          servers: this.options.servers,
          name: `pairkey-relay ${this.nodeId}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          pingInterval: Math.max(this.options.heartbeatMs, 1000),
          maxPingOut: 3,
        });
      } catch (error) {
        this.log.warn({ err: error }, 'relay bus unreachable; retrying');
        // Nothing announces that a NATS server came up: retry after a pause (the client's own
        // reconnect takes over once a first connection exists).
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    if (!nc) return;
    if (this.#closed) {
      await nc.close();
      return;
    }
    this.#nc = nc;
    nc.subscribe(NODES_SUBJECT, { callback: (_error, msg) => this.#onNodeMessage(msg) });
    await nc.flush();
    this.#setReady(true);
    void this.#watch(nc);
  }

  async #watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.#setReady(false);
      else if (status.type === 'reconnect') {
        // Subscriptions come back by themselves; presence is asked again (others dropped ours).
        this.#nodesSeen.clear();
        this.#setReady(true);
      }
    }
    if (!this.#closed) {
      this.log.error('relay bus connection closed for good');
      this.#setReady(false);
    }
  }

  #setReady(ready: boolean): void {
    if (this.#ready === ready) return;
    this.#ready = ready;
    this.metrics.busReady(ready);
    if (ready) this.log.info('relay bus connected');
    else this.log.warn('relay bus lost: not ready, refusing new channels');
    for (const seat of this.#seats) {
      if (ready && this.#nc) seat.attach(this.#nc);
      else seat.detach();
    }
    if (ready) this.#tick();
    for (const listener of this.#readyListeners) listener(ready);
  }

  #onNodeMessage(msg: Msg): void {
    const beat = parse<{ node?: unknown; gone?: unknown; silent?: unknown }>(msg);
    if (!beat || typeof beat.node !== 'string' || beat.node === this.nodeId) return;
    if (beat.silent === this.nodeId) {
      // Another node took this one for dead (this process stalled, or the network between them
      // did): it forgot our seats, so greet again from every seat, as after a bus reconnect.
      this.log.warn({ by: beat.node }, 'relay node was taken for dead; greeting its peers again');
      const nc = this.connection;
      for (const seat of this.#seats) {
        seat.detach();
        if (nc) seat.attach(nc);
      }
      return;
    }
    if (beat.gone === true) this.#nodeDead(beat.node, false);
    else this.#nodesSeen.set(beat.node, Date.now());
  }

  #nodeDead(node: string, silent: boolean): void {
    this.#nodesSeen.delete(node);
    this.log.warn({ node }, 'relay node gone: its peers left');
    for (const seat of this.#seats) seat.remoteNodeDead(node);
    // If it is alive after all, it hears this and greets again (see #onNodeMessage).
    if (silent) this.connection?.publish(NODES_SUBJECT, json({ node: this.nodeId, silent: node }));
  }

  #tick(): void {
    const now = Date.now();
    const stalled = now - this.#lastTick > 2 * this.options.heartbeatMs;
    this.#lastTick = now;
    const nc = this.connection;
    if (!nc) return;
    nc.publish(NODES_SUBJECT, json({ node: this.nodeId }));
    if (stalled) {
      // This process was not running (a long GC, a loaded machine): the others' heartbeats are
      // still unread in its socket, so their silence says nothing. They get a fresh grace period.
      for (const node of this.#nodesSeen.keys()) this.#nodesSeen.set(node, now);
      return;
    }
    const deadline = now - 3 * this.options.heartbeatMs;
    for (const [node, seen] of this.#nodesSeen) if (seen < deadline) this.#nodeDead(node, true);
    const started = performance.now();
    nc.flush().then(
      () => this.metrics.busRoundTrip(performance.now() - started),
      () => undefined,
    );
  }
}

class SeatState implements BusSeat {
  #remote: Holder | null = null;
  #subscription: Subscription | null = null;
  #released = false;
  #dropsToReport = 0;
  #dropReportQueued = false;
  readonly #subject: string;
  readonly #otherSubject: string;
  #settle!: () => void;
  readonly settled = new Promise<void>((resolve) => {
    this.#settle = resolve;
  });

  constructor(
    private readonly bus: RelayBus,
    readonly channel: string,
    readonly side: SeatSide,
    private readonly me: Claim,
    private readonly events: SeatEvents,
  ) {
    this.#subject = `${PREFIX}.${channel}.${side}`;
    this.#otherSubject = `${PREFIX}.${channel}.${otherSide(side)}`;
  }

  get remotePresent(): boolean {
    return this.#remote !== null;
  }

  /** Subscribe, claim the seat, then greet the other seat (in that order: see docs, races). */
  attach(nc: NatsConnection): void {
    if (this.#released) return;
    this.#subscription ??= nc.subscribe(`${this.#subject}.*`, { callback: (_error, msg) => this.#onMessage(msg) });
    nc.publish(`${this.#subject}.c`, json(this.me));
    void nc
      .flush()
      .then(() => this.#hello(nc))
      .catch(() => undefined)
      .finally(() => this.#settle());
  }

  /** The bus is gone: no remote peer can be reached now. The subscription is restored by the client. */
  detach(): void {
    this.#settle();
    this.#setRemote(null);
  }

  remoteNodeDead(node: string): void {
    if (this.#remote?.node === node) this.#setRemote(null);
  }

  send(bytes: Uint8Array): boolean {
    const nc = this.bus.connection;
    if (!this.#remote || !nc || !this.bus.canPublish()) return false;
    nc.publish(`${this.#otherSubject}.f`, bytes);
    return true;
  }

  reportDropped(count: number): void {
    this.#dropsToReport += count;
    if (this.#dropReportQueued) return;
    this.#dropReportQueued = true;
    // One report per burst, not one bus message per dropped frame.
    setImmediate(() => {
      this.#dropReportQueued = false;
      const nc = this.bus.connection;
      if (nc && this.#dropsToReport > 0) nc.publish(`${this.#otherSubject}.d`, json({ count: this.#dropsToReport }));
      this.#dropsToReport = 0;
    });
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.bus.forget(this);
    this.#settle();
    this.#subscription?.unsubscribe();
    const nc = this.bus.connection;
    nc?.publish(`${this.#otherSubject}.l`, json({ id: this.me.id, node: this.me.node }));
  }

  async #hello(nc: NatsConnection): Promise<void> {
    for (let attempt = 0; attempt < 3 && !this.#released; attempt++) {
      try {
        const reply = await nc.request(`${this.#otherSubject}.h`, json({ id: this.me.id, node: this.me.node }), { timeout: HELLO_TIMEOUT_MS });
        const holder = parse<Holder>(reply);
        if (holder && typeof holder.id === 'string' && typeof holder.node === 'string' && holder.node !== this.me.node && !this.#released) {
          this.bus.markNodeSeen(holder.node);
          this.#setRemote(holder);
        }
        return;
      } catch (error) {
        // No responders: nobody holds the other seat. A timeout: ask again.
        if ((error as Error).name !== 'TimeoutError' && !/timeout/i.test((error as Error).message)) return;
      }
    }
  }

  #onMessage(msg: Msg): void {
    if (this.#released) return;
    const kind = msg.subject.slice(this.#subject.length + 1);
    switch (kind) {
      case 'f':
        this.events.onFrame(msg.data);
        return;
      case 'd': {
        const count = parse<{ count?: unknown }>(msg)?.count;
        if (typeof count === 'number' && Number.isInteger(count) && count > 0) this.events.onDropped(count);
        return;
      }
      case 'c': {
        const claim = parse<Claim>(msg);
        if (!claim || typeof claim.id !== 'string' || typeof claim.node !== 'string' || typeof claim.at !== 'number') return;
        // Claims from this node were settled by the local registry already.
        if (claim.node === this.me.node) return;
        if (newer(claim, this.me)) this.events.onDisplaced();
        // An older claim arrived after ours: say ours again so its maker yields.
        else this.bus.connection?.publish(`${this.#subject}.c`, json(this.me));
        return;
      }
      case 'h': {
        const holder = parse<Holder>(msg);
        if (!holder || typeof holder.id !== 'string' || typeof holder.node !== 'string') return;
        msg.respond(json({ id: this.me.id, node: this.me.node }));
        if (holder.node === this.me.node) return; // both seats on this node: the local registry knows
        this.bus.markNodeSeen(holder.node);
        // Even the same holder again: it greets only when it (re)joined or its bus came back, and
        // it told its socket `peers` 1 meanwhile, so this end must see its peer leave and return too.
        this.#setRemote(holder, true);
        return;
      }
      case 'l': {
        const holder = parse<Holder>(msg);
        if (holder && this.#remote && holder.id === this.#remote.id) this.#setRemote(null);
        return;
      }
      default:
    }
  }

  #setRemote(holder: Holder | null, greeted = false): void {
    const previous = this.#remote;
    if (previous?.id === holder?.id && !greeted) return;
    this.#remote = holder;
    this.events.onRemotePeer(holder !== null, previous !== null && holder !== null);
  }
}
