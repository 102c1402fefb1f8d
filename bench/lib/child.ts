// Benchmark helpers that run in their own Node process (servers under test, load generators)
// so that the load never shares an event loop with what it measures. The parent talks to them
// over the IPC channel with request/response messages; each child answers `ready` first.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { compiled } from './compile.ts';
import type { ProfileSummary } from './profiler.ts';
import type { ChildReply, ChildRequest } from './serve-parent.ts';

/** Which core a process is pinned to: servers under test on one, their load generators on the other. */
export type Cpu = 'server' | 'generator';

let canPin: boolean | null = null;

/**
 * The core for `role`, or null where pinning is impossible (one core, no taskset) or turned off
 * (BENCH_PIN=0). Two cores: servers on core 0, generators on core 1, so a generator never takes
 * the CPU the server needs and the server's latency is its own.
 */
export function pinnedCpu(role: Cpu): number | null {
  if (process.env.BENCH_PIN === '0' || availableParallelism() < 2) return null;
  if (canPin === null) {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      canPin = true;
    } catch {
      canPin = false;
    }
  }
  return canPin ? (role === 'server' ? 0 : 1) : null;
}

export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stderr = '';

  private constructor(
    readonly process: ChildProcess,
    readonly name: string,
  ) {
    process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-8000);
    });
    process.on('message', (raw: unknown) => {
      const reply = raw as ChildReply;
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`${name}: ${reply.error}`));
    });
    process.on('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`${name} exited (${code ?? signal}) mid-request:\n${this.stderr}`));
      this.waiting.clear();
    });
  }

  /**
   * Start `module` (a path relative to bench/) and wait for its ready message: under tsx, or
   * with `compiled` as plain JavaScript (see compile.ts).
   */
  static async start(module: string, env: Record<string, string> = {}, options: { execArgv?: string[]; compiled?: boolean; cpu?: Cpu } = {}): Promise<Child> {
    const path = options.compiled ? await compiled(module) : fileURLToPath(new URL(`../${module}`, import.meta.url));
    const execArgv = [...(options.compiled ? [] : ['--import', 'tsx']), ...(options.execArgv ?? [])];
    const childEnv = { ...process.env, ...env };
    const stdio: ['ignore', 'inherit', 'pipe', 'ipc'] = ['ignore', 'inherit', 'pipe', 'ipc'];
    const cpu = options.cpu ? pinnedCpu(options.cpu) : null;
    // Pinned: started under taskset, so every thread the process ever has (libuv, V8) stays on that core.
    const child = cpu === null
      ? fork(path, [], { execArgv, env: childEnv, stdio })
      : spawn('taskset', ['-c', String(cpu), process.execPath, ...execArgv, path], { env: childEnv, stdio });
    const handle = new Child(child, module);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if ((m as { ready?: boolean }).ready) {
          child.off('exit', onExit);
          child.off('message', onMessage);
          resolve();
        }
      };
      const onExit = (code: number | null) => reject(new Error(`${module} exited (${code}) before it was ready:\n${handle.stderr}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return handle;
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** Profile this child while `work` runs (in the parent, e.g. load from another child). */
  async profile<T>(work: () => Promise<T>): Promise<{ result: T; profile: ProfileSummary }> {
    await this.request('profile-start');
    try {
      const result = await work();
      return { result, profile: await this.request('profile-stop') };
    } catch (error) {
      await this.request('profile-stop').catch(() => undefined);
      throw error;
    }
  }

  request<T>(type: string, payload?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ id, type, payload } satisfies ChildRequest);
    });
  }

  /** Stop this child (by its own pid) and wait for it to be gone. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, 'exit');
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
