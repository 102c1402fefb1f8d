// Readiness: whether this server should receive traffic now. Every part that depends on
// something outside the process (the database, the relay bus) registers a check; the server is
// ready when every check passes. Liveness (/healthz) is separate: a server that is alive but
// not ready must not be restarted, only taken out of the load balancer's rotation.

export type Readiness = { ready: true } | { ready: false; reason: string };
export type ReadinessCheck = () => Readiness | Promise<Readiness>;

export const READY: Readiness = { ready: true };
export function notReady(reason: string): Readiness {
  return { ready: false, reason };
}

export interface CheckResult {
  name: string;
  ready: boolean;
  /** Why it is not ready, a sentence; absent when ready. */
  reason?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: CheckResult[];
}

/** A check that neither answers nor fails within this long counts as not ready. */
export const CHECK_TIMEOUT_MS = 2000;

export class ReadinessChecks {
  readonly #checks = new Map<string, ReadinessCheck>();
  #stopping = false;

  constructor(private readonly timeoutMs = CHECK_TIMEOUT_MS) {}

  register(name: string, check: ReadinessCheck): void {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`readiness check name "${name}" must be lower-case words joined by "-"`);
    if (this.#checks.has(name)) throw new Error(`readiness check "${name}" is already registered`);
    this.#checks.set(name, check);
  }

  /** From now on the server reports not ready (it is shutting down: let the load balancer drain it). */
  stopping(): void {
    this.#stopping = true;
  }

  async evaluate(): Promise<ReadinessReport> {
    const checks = await Promise.all([...this.#checks].map(([name, check]) => this.#run(name, check)));
    if (this.#stopping) checks.unshift({ name: 'shutdown', ready: false, reason: 'The server is shutting down.' });
    return { ready: checks.every((check) => check.ready), checks };
  }

  async #run(name: string, check: ReadinessCheck): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Readiness>((resolve) => {
      timer = setTimeout(() => resolve(notReady(`The check did not answer within ${this.timeoutMs} ms.`)), this.timeoutMs);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(check), timeout]);
      return result.ready ? { name, ready: true } : { name, ready: false, reason: result.reason };
    } catch (error) {
      return { name, ready: false, reason: `The check failed: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
