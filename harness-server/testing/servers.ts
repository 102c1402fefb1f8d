// Helpers for the harness-server tests: configs, started servers, a WebSocket peer that
// records what it receives (so tests await events instead of sleeping), and an inject-based
// browser for the RP's API.
import type { FastifyInstance } from 'fastify';
import { Agent, request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { buildServers, type BuildOptions, type Servers } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';

/** A config for tests: in-memory DB, silent logs, fixed RP identity; env-style overrides. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    PORT: '0',
    PHONE_PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL: 'http://localhost:8787',
    PHONE_URL: 'http://localhost:8788/',
    DATA_DIR: ':memory:',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export interface Started extends Servers {
  mainUrl: string;
  phoneUrl: string;
  close(): Promise<void>;
}

export async function startServers(config: Config, options: BuildOptions = {}): Promise<Started> {
  const servers = await buildServers(config, options);
  const mainUrl = await servers.main.listen({ port: 0, host: '127.0.0.1' });
  const phoneUrl = await servers.phone.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...servers,
    mainUrl,
    phoneUrl,
    close: async () => {
      await Promise.all([servers.main.close(), servers.phone.close()]);
    },
  };
}

/** Collects pino's output lines in memory. */
export function captureLogs(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

export type Received = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Buffer };

export interface Closed {
  code: number;
  reason: string;
}

/** A relay client that queues frames; next() resolves with the next one in order. */
export class TestPeer {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<Closed>;
  readonly #queue: Received[] = [];
  readonly #waiters: ((frame: Received) => void)[] = [];

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.socket = new WebSocket(url, options);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    // Errors after opening (e.g. a reset) are reported through `closed`.
    this.socket.on('error', () => {});
    this.socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      const frame: Received = isBinary ? { kind: 'binary', bytes } : { kind: 'text', text: bytes.toString('utf8') };
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#queue.push(frame);
    });
  }

  next(): Promise<Received> {
    const frame = this.#queue.shift();
    if (frame) return Promise.resolve(frame);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next frame, which must be a relay control message (TEXT, JSON). */
  async nextControl(): Promise<unknown> {
    const frame = await this.next();
    if (frame.kind !== 'text') throw new Error('expected a TEXT control frame, got BINARY');
    return JSON.parse(frame.text);
  }

  async nextBinary(): Promise<Buffer> {
    const frame = await this.next();
    if (frame.kind !== 'binary') throw new Error(`expected a BINARY frame, got TEXT ${frame.text}`);
    return frame.bytes;
  }

  close(): Promise<Closed> {
    this.socket.close(1000);
    return this.closed;
  }
}

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
  /** Raw Set-Cookie lines. */
  setCookies: string[];
}

/** One HTTP answer as the test browser reads it. */
type RawResponse = { statusCode: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * A browser for the RP's JSON API, over `fastify.inject` (an app: no socket) or fetch (a base
 * URL: a server in another process): a cookie jar (names only; paths and expiry are the
 * server's business) and the CSRF header a page would send, fetched from /api/csrf before the
 * first state-changing request. `remoteAddress` is the client's address: passed to inject, and
 * for a server in another process the loopback address the requests leave from (any 127.x.y.z,
 * so a load test can be many clients, each under the RP's per-address limits).
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;
  /** Send the CSRF header (tests of the protection itself turn it off). */
  sendCsrf = true;

  constructor(
    private readonly target: FastifyInstance | string,
    private readonly remoteAddress = '127.0.0.1',
  ) {}

  get<T = unknown>(path: string): Promise<HttpResult<T>> {
    return this.request<T>('GET', path);
  }

  async post<T = unknown>(path: string, body: unknown = {}): Promise<HttpResult<T>> {
    if (this.sendCsrf && this.csrfToken === undefined) {
      this.csrfToken = (await this.get<{ token: string }>('/api/csrf')).body.token;
    }
    return this.request<T>('POST', path, body);
  }

  async request<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
    const all: Record<string, string> = { ...headers };
    if (this.cookies.size > 0) all.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (method === 'POST' && this.sendCsrf && this.csrfToken) all['x-csrf-token'] = this.csrfToken;
    if (body !== undefined && typeof body !== 'string') all['content-type'] ??= 'application/json';
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const response =
      typeof this.target === 'string'
        ? await this.#fetch(method, path, all, payload)
        : await this.target.inject({ method, url: path, headers: all, remoteAddress: this.remoteAddress, ...(payload === undefined ? {} : { payload }) });
    const raw = response.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /;\s*max-age=0/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const type = String(response.headers['content-type'] ?? '');
    const parsed: unknown = type.includes('application/json') && response.body ? JSON.parse(response.body) : response.body;
    return { status: response.statusCode, body: parsed as T, headers: response.headers, setCookies };
  }

  #agent: Agent | undefined;

  async #fetch(method: string, path: string, headers: Record<string, string>, body: string | undefined) {
    if (this.remoteAddress !== '127.0.0.1') return this.#fromAddress(method, path, headers, body);
    const response = await fetch(new URL(path, this.target as string), { method, headers, ...(body === undefined ? {} : { body }) });
    const all: Record<string, string | string[]> = Object.fromEntries(response.headers);
    all['set-cookie'] = response.headers.getSetCookie();
    return { statusCode: response.status, headers: all, body: await response.text() };
  }

  /**
   * One keep-alive connection from `remoteAddress` to the server on 127.0.0.1 (Host: the URL's).
   * A request sent on a kept-alive socket the server had just closed as idle fails with
   * ECONNRESET before the server saw it: sent again once on a new socket, as Node's docs advise
   * (`request.reusedSocket`).
   */
  #fromAddress(method: string, path: string, headers: Record<string, string>, body: string | undefined, retried = false): Promise<RawResponse> {
    const url = new URL(path, this.target as string);
    this.#agent ??= new Agent({ keepAlive: true, maxSockets: 1, localAddress: this.remoteAddress });
    const all = { ...headers, host: url.host, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) };
    return new Promise<RawResponse>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: url.port, path: url.pathname + url.search, method, headers: all, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!retried && req.reusedSocket && error.code === 'ECONNRESET') resolve(this.#fromAddress(method, path, headers, body, true));
        else reject(error);
      });
      req.end(body);
    });
  }

  /** Closes the keep-alive connection, if any. */
  close(): void {
    this.#agent?.destroy();
  }
}
