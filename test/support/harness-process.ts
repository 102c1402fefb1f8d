// The real harness server (relay + RP) as a child process, for suites that need a relay of their
// own: the Firefox suite, and lifecycle tests that stop and restart the relay mid-ceremony.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, 'localhost');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('No free port');
  return address.port;
}

/** Resolves once the server printed its URLs (it does after both listeners are up). */
function waitUntilUp(child: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (log.join('').includes('Phone app:')) {
        child.stdout!.off('data', check);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`The harness server exited with ${code}:\n${log.join('')}`));
    child.stdout!.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

export class HarnessProcess {
  private child: ChildProcess | null = null;
  readonly log: string[] = [];

  private constructor(
    readonly port: number,
    readonly phonePort: number,
  ) {}

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  static async start(): Promise<HarnessProcess> {
    const harness = new HarnessProcess(await freePort(), await freePort());
    await harness.resume();
    return harness;
  }

  /** (Re)start on the same ports: a relay restart, as clients see it. */
  async resume(): Promise<void> {
    if (this.child) return;
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness-server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(this.port), PHONE_PORT: String(this.phonePort), DATA_DIR: ':memory:', LOG_LEVEL: 'warn', HOST: 'localhost' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.log.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.log.push(d));
    this.child = child;
    await waitUntilUp(child, this.log);
  }

  /** Stop the server: every relay socket drops, as when a relay restarts or the network fails. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}
