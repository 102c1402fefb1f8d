// What the load got done, as it happens: the chaos run waits on it (the first sign-in of each
// kind and the first echoed frame after a fault) instead of sleeping.
import type { SignInKind } from '../soak/load.ts';

/** `frame`: a frame echoed through the harness server's relay; `cluster-frame`: through the relay cluster. */
export type Progressing = SignInKind | 'frame' | 'cluster-frame';

export class Progress {
  readonly #waiters = new Set<{ what: Progressing; after: number; resolve: (at: number) => void }>();
  readonly #last = new Map<Progressing, number>();

  /** Given to the load as its onProgress. */
  readonly note = (kind: SignInKind | 'frame', at: number, group?: number): void => {
    const what: Progressing = kind === 'frame' && group !== undefined && group > 0 ? 'cluster-frame' : kind;
    this.#last.set(what, at);
    for (const waiter of this.#waiters) {
      if (waiter.what === what && at > waiter.after) {
        this.#waiters.delete(waiter);
        waiter.resolve(at);
      }
    }
  };

  /** When `what` next succeeds after `after` (epoch ms); rejects after `boundMs` with why. */
  next(what: Progressing, after: number, boundMs: number): Promise<number> {
    const last = this.#last.get(what);
    if (last !== undefined && last > after) return Promise.resolve(last);
    return new Promise((resolve, reject) => {
      const waiter = {
        what,
        after,
        resolve: (at: number) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no ${what === 'frame' ? 'relay frame came back' : what === 'cluster-frame' ? 'frame came back through the relay cluster' : `${what} sign-in succeeded`} within ${boundMs / 1000} s`));
      }, boundMs);
      this.#waiters.add(waiter);
    });
  }
}
