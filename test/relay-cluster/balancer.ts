// A small layer-7 load balancer for relay tests: it reads each connection's HTTP upgrade request
// and sends browsers (a User-Agent naming Chrome) to one relay node and everything else (the
// virtual phone, Node's `ws`) to another, so the two ends of a channel land on different nodes,
// as they may behind a real balancer. A node taken out (`remove`) gets no new connections.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  port: number;
}

export class SplitBalancer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #removed = new Set<Backend>();

  private constructor(
    private readonly browsers: Backend,
    private readonly others: Backend,
  ) {
    this.#server = createServer((client) => this.#route(client));
  }

  static async start(browsers: Backend, others: Backend): Promise<SplitBalancer> {
    const balancer = new SplitBalancer(browsers, others);
    balancer.#server.listen(0, 'localhost');
    await once(balancer.#server, 'listening');
    return balancer;
  }

  get port(): number {
    const address = this.#server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  /** Take a node out of rotation (it died): its traffic goes to the other. */
  remove(backend: Backend): void {
    this.#removed.add(backend);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  #route(client: Socket): void {
    this.#track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (!head.includes('\r\n\r\n')) return;
      client.off('data', onData);
      client.pause();
      const browser = /^user-agent:.*chrome/im.test(head.toString('latin1'));
      let backend = browser ? this.browsers : this.others;
      if (this.#removed.has(backend)) backend = backend === this.browsers ? this.others : this.browsers;
      const upstream = connect(backend.port, '127.0.0.1');
      this.#track(upstream);
      upstream.once('connect', () => {
        upstream.write(head);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
    };
    client.on('data', onData);
  }
}
