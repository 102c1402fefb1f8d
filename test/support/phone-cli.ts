// Run the real `pairkey-phone` CLI as a child process and wait for what it prints.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';

const BIN = fileURLToPath(new URL('../../bin/pairkey-phone.mjs', import.meta.url));

export class PhoneProcess {
  private stdout = '';
  readonly stderrLines: string[] = [];
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      for (const wake of this.waiters.splice(0)) wake();
    });
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      this.stderrLines.push(...lines);
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.on('exit', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static start(args: string[]): PhoneProcess {
    return new PhoneProcess(spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Resolve with the first stdout match of `pattern`; reject if the process exits first. */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null) {
        throw new Error(`pairkey-phone exited (${this.child.exitCode}) before printing ${pattern}:\n${this.stderrLines.join('\n')}`);
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Resolve once stderr has `count` lines matching `pattern` (the phone logs each request there); the last of them. */
  async waitForLog(pattern: RegExp, count = 1): Promise<string> {
    for (;;) {
      const lines = this.stderrLines.filter((l) => pattern.test(l));
      if (lines.length >= count) return lines[count - 1]!;
      if (this.child.exitCode !== null) throw new Error(`pairkey-phone exited before logging ${pattern}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Resolves with the exit code once the process has ended. */
  async exitCode(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) await once(this.child, 'exit');
    return this.child.exitCode;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await once(this.child, 'exit');
  }
}
