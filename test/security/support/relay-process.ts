// A relay in a child process: what the fault tests kill (SIGKILL, no goodbye to anyone) and
// start again on the same port, as a crashed and restarted relay would be.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./relay-main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export class RelayProcess {
  private child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `ws://localhost:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('The relay is already running');
    // tsx as a loader in this one process (its CLI would fork a child that outlives a SIGKILL).
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, String(this.port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('relay ws://')) {
          child.stdout!.off('data', onData);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null) => reject(new Error(`The relay exited (${code}) before listening:\n${output}`));
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', onExit);
    });
  }

  /** SIGKILL: sockets are cut without a close frame, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}
