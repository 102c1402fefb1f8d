// Passkey signature checks on worker threads. `verifyAuthenticationResponse` (CBOR, JWK import of
// the public key, ECDSA/EdDSA/RSA verify) is ~40% of a sign-in's CPU; on the request thread it
// caps the sign-in route at what one core does besides everything else. A pool of workers
// (assertion-worker.mjs) lets the request thread take the next request meanwhile
// (docs/performance.md, "Relying party"). With no workers it runs in process, as before.
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { Worker } from 'node:worker_threads';

type VerifyOptions = Parameters<typeof verifyAuthenticationResponse>[0];
type Verified = Awaited<ReturnType<typeof verifyAuthenticationResponse>>;

type WorkerReply = { id: number; ok: true; result: Verified } | { id: number; ok: false; message: string };

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (v: Verified) => void; reject: (e: Error) => void }>;
}

const WORKER_URL = new URL('./assertion-worker.mjs', import.meta.url);

export class AssertionPool {
  readonly #slots: (Slot | null)[];
  #nextId = 1;
  #closed = false;

  /** `size` worker threads, started at the first verification; 0 verifies on the calling thread. */
  constructor(readonly size: number) {
    this.#slots = Array.from({ length: size }, () => null);
  }

  verify(options: VerifyOptions): Promise<Verified> {
    if (this.size === 0 || this.#closed) return verifyAuthenticationResponse(options);
    const slot = this.#leastBusy();
    const id = this.#nextId++;
    return new Promise<Verified>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      if (slot.pending.size === 1) slot.worker.ref();
      slot.worker.postMessage({ id, options });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#slots.filter((s): s is Slot => s !== null).map((s) => s.worker);
    this.#slots.fill(null);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  #leastBusy(): Slot {
    let best = -1;
    for (let i = 0; i < this.#slots.length; i++) {
      const slot = this.#slots[i];
      if (!slot) return (this.#slots[i] = this.#start(i));
      if (best < 0 || slot.pending.size < this.#slots[best]!.pending.size) best = i;
    }
    return this.#slots[best]!;
  }

  #start(index: number): Slot {
    const worker = new Worker(WORKER_URL);
    const slot: Slot = { worker, pending: new Map() };
    // An idle pool must not keep the process alive.
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const waiter = slot.pending.get(reply.id);
      if (!waiter) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(reply.message));
    });
    const fail = (error: Error) => {
      // A dead worker fails what it held (each answered as a refused check) and is replaced at the next call.
      if (this.#slots[index] === slot) this.#slots[index] = null;
      for (const waiter of slot.pending.values()) waiter.reject(error);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the verification worker stopped (exit code ${code})`)));
    return slot;
  }
}
