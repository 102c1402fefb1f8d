// The harness server (RP + relay) as a child process with a data directory on disk: what the
// fault tests SIGKILL, starve of disk space and start again.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { LOAD_ENV } from '../../security/support/rp-flows.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../../harness-server/main.ts', import.meta.url));

/** A port the OS just handed out (closed again, so a child can take it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('No free port');
  return address.port;
}

export class ServerProcess {
  private child: ChildProcess | null = null;
  /** Everything the server printed, both streams, across restarts. */
  output = '';

  private constructor(
    readonly port: number,
    private readonly phonePort: number,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  /** `env` is added to the server's environment (e.g. relay limits a fault test needs). */
  static async create(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    return new ServerProcess(await freePort(), await freePort(), dataDir, env);
  }

  /** The RP's origin; also the origin the test's WebAuthn client must claim. */
  get url(): string {
    return `http://localhost:${this.port}`;
  }

  /** The server's process id while it runs (for memory sampling). */
  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error('The server is already running');
    // tsx as a loader in this one process (its CLI would fork a child that outlives a SIGKILL).
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(this.port),
        PHONE_PORT: String(this.phonePort),
        HOST: '127.0.0.1',
        PUBLIC_URL: this.url,
        PHONE_URL: `http://127.0.0.1:${this.phonePort}/`,
        DATA_DIR: this.dataDir,
        LOG_LEVEL: 'warn',
        // One test client makes many requests from one address: keep it under the per-IP limit.
        ...LOAD_ENV,
        ...this.env,
      },
    });
    this.child = child;
    const from = this.output.length;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (this.output.slice(from).includes('Phone app:')) {
          child.stdout!.off('data', onData);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null) => reject(new Error(`The server exited (${code}) before listening:\n${this.output}`));
      child.stdout!.on('data', onData);
      child.once('exit', onExit);
    });
  }

  /** SIGKILL: no shutdown hook runs, SQLite gets no chance to finish anything. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}
