// A relay cluster for tests, started by the tests themselves on free ports: a real `nats-server`
// (Debian's, `.ci/run` installs it) and relay nodes joined through it, in this process
// (`startNode`, whose stats and bus the tests read) or as child processes (`spawnNode`, for a node
// that is killed).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { loadRelayConfig } from '../../harness-server/relay/config.ts';
import { buildRelayServer } from '../../harness-server/relay/server.ts';
import { freePort } from '../support/harness-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Debian installs it in /usr/sbin, which is not on every user's PATH. */
export const NATS_SERVER = process.env.NATS_SERVER ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

// Children this process started: killed when it exits, even if a test or fixture timed out
// before its own cleanup ran (a Playwright fixture that times out never reaches its teardown).
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
function adopt(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves when `pattern` appears in what the child wrote; rejects if it exits first. */
function waitForOutput(child: ChildProcess, output: string[], pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pattern.test(output.join(''))) {
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`${what} exited with ${code}:\n${output.join('')}`));
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** A real nats-server on a fixed port, which can be stopped and started again (the bus restarting). */
export class NatsProcess {
  #child: ChildProcess | null = null;
  readonly output: string[] = [];

  private constructor(readonly port: number) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** On `port`, or on a free one. */
  static async start(port?: number): Promise<NatsProcess> {
    const nats = new NatsProcess(port ?? (await freePort()));
    await nats.resume();
    return nats;
  }

  async resume(): Promise<void> {
    if (this.#child) return;
    const child = adopt(spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.output.length = 0;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.output.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.output.push(d));
    this.#child = child;
    await waitForOutput(child, this.output, /Server is ready/, 'nats-server');
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

export interface InProcessNode {
  app: FastifyInstance;
  /** `ws://127.0.0.1:PORT` (clients append /relay/<channel>). */
  url: string;
  close(): Promise<void>;
}

export const TEST_RELAY_ENV = { HOST: '127.0.0.1', LOG_LEVEL: 'silent', RELAY_BUS_HEARTBEAT_MS: '500' };

/** A relay node in this process on the bus, ready (bus connected) when it resolves. */
export async function startNode(nats: NatsProcess | null, env: Record<string, string> = {}): Promise<InProcessNode> {
  const config = loadRelayConfig({ ...TEST_RELAY_ENV, PORT: '0', ...(nats ? { RELAY_BUS: nats.url } : {}), ...env });
  const { relay: app } = await buildRelayServer(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  await app.relay.bus?.whenReady();
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('relay node has no port');
  return { app, url: `ws://127.0.0.1:${address.port}`, close: () => app.close() };
}

/** A relay node as its own process (`harness-server/relay-main.ts`), ready when it resolves. */
export class RelayNodeProcess {
  #child: ChildProcess | null = null;
  readonly output: string[] = [];

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  static async start(nats: NatsProcess, env: Record<string, string> = {}): Promise<RelayNodeProcess> {
    // info: the node logs when its bus connects, which is what start() waits for.
    const node = new RelayNodeProcess(await freePort(), { ...TEST_RELAY_ENV, LOG_LEVEL: 'info', RELAY_BUS: nats.url, ...env });
    await node.resume();
    return node;
  }

  async resume(): Promise<void> {
    if (this.#child) return;
    const child = adopt(
      spawn(process.execPath, ['--import', 'tsx', 'harness-server/relay-main.ts'], {
        cwd: ROOT,
        env: { ...process.env, ...this.env, PORT: String(this.port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    this.output.length = 0;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.output.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.output.push(d));
    this.#child = child;
    // The node logs (info) when its bus connects; it prints its URL once listening.
    await waitForOutput(child, this.output, /relay bus connected[\s\S]*Relay: |Relay: [\s\S]*relay bus connected/, 'relay node');
  }

  /** SIGKILL: the node dies without a word to anyone (a crash, a lost machine). */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}
