// Waiting on state instead of sleeping: every component of the hostile-relay harness calls
// notifyChange() when something happens, and until() re-checks its probe at each change.
const waiters = new Set<() => void>();

export function notifyChange(): void {
  for (const wake of [...waiters]) wake();
}

/** Resolves with the first value `probe` returns that is not undefined (or false). */
export async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, left);
      waiters.add(wake);
    });
  }
}
