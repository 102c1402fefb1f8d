// A minimal Marionette client (Firefox's own remote protocol, which geckodriver speaks), for the
// one thing WebDriver BiDi lacks: the WebAuthn virtual authenticator (the W3C WebAuthn spec's
// WebDriver extension, `WebAuthn:AddVirtualAuthenticator` in Marionette). Puppeteer drives the
// pages over BiDi; this second connection only adds and changes the authenticator. Frames are
// `<length>:<json>`; a command is [0, id, name, params], its answer [1, id, error, result].
import { connect, type Socket } from 'node:net';

export interface VirtualAuthenticatorParams {
  protocol: 'ctap2' | 'ctap2_1' | 'ctap1/u2f';
  transport: 'usb' | 'nfc' | 'ble' | 'internal' | 'hybrid';
  hasResidentKey: boolean;
  hasUserVerification: boolean;
  isUserConsenting: boolean;
  isUserVerified: boolean;
}

export class Marionette {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private greeted!: () => void;
  private readonly greeting = new Promise<void>((resolve) => (this.greeted = resolve));
  private seenGreeting = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('Marionette connection closed')));
  }

  /** Connects, retrying while Firefox starts its server. */
  static async open(port: number, attempts = 50): Promise<Marionette> {
    let lastError: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        const client = new Marionette(socket);
        await client.greeting;
        // No WebDriver:NewSession: puppeteer's BiDi session is the browser's one session
        // ("Maximum number of active sessions"), and the WebAuthn commands need none.
        return client;
      } catch (error) {
        lastError = error;
        // Firefox opens the Marionette port some time after start and says nothing when it does.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    throw new Error(`Marionette on port ${port} did not answer: ${String(lastError)}`);
  }

  command<T = unknown>(name: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify([0, id, name, params]));
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${body.length}:`);
      this.socket.write(body);
    });
  }

  /** Adds a virtual authenticator; its id. */
  async addVirtualAuthenticator(params: VirtualAuthenticatorParams): Promise<string> {
    const answer = await this.command<{ value: string } | string>('WebAuthn:AddVirtualAuthenticator', { ...params });
    return typeof answer === 'string' ? answer : answer.value;
  }

  removeVirtualAuthenticator(authenticatorId: string): Promise<unknown> {
    return this.command('WebAuthn:RemoveVirtualAuthenticator', { authenticatorId });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString());
      if (this.buffer.length < colon + 1 + length) return;
      const message = JSON.parse(this.buffer.subarray(colon + 1, colon + 1 + length).toString()) as unknown;
      this.buffer = this.buffer.subarray(colon + 1 + length);
      if (!this.seenGreeting) {
        this.seenGreeting = true;
        this.greeted();
        continue;
      }
      const [, id, error, result] = message as [number, number, { error: string; message: string } | null, unknown];
      const waiter = this.pending.get(id);
      this.pending.delete(id);
      if (error) waiter?.reject(new Error(`${error.error}: ${error.message}`));
      else waiter?.resolve(result);
    }
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
