// Helpers for the harness-server tests: configs, started servers and a WebSocket peer
// that records what it receives so tests can await events instead of sleeping.
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { buildServers, type BuildOptions, type Servers } from './app.ts';
import { loadConfig, type Config } from './config.ts';

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
  headers: Headers;
  setCookies: string[];
}

/** A minimal browser for the JSON API: fetch plus a cookie jar (names only; paths ignored). */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly baseUrl: string) {}

  get(path: string): Promise<HttpResult> {
    return this.request(path, { method: 'GET' });
  }

  post(path: string, body: unknown): Promise<HttpResult> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async request(path: string, init: RequestInit): Promise<HttpResult> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(new URL(path, this.baseUrl), { ...init, headers });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /;\s*max-age=0/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const body: unknown = type.includes('application/json') && text ? JSON.parse(text) : text;
    return { status: response.status, body, headers: response.headers, setCookies };
  }
}
