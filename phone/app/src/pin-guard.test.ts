// Issue 11.6: the wrong-PIN back-off must count every attempt, also attempts made in parallel
// (several request cards approved at once, or a script in the page's UI tapping fast).
import { describe, expect, it } from 'vitest';
import { FREE_ATTEMPTS, hashPin, type PinFailures, type PinHash } from './pin.ts';
import { PinError, PinGuard, type PinStore } from './pin-guard.ts';

/** An in-memory PinStore whose every operation yields, as IndexedDB's do. */
function memoryStore(pin: PinHash): PinStore & { failures: PinFailures | undefined } {
  const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  const store = {
    pin: pin as PinHash | undefined,
    failures: undefined as PinFailures | undefined,
    getPin: async () => (await tick(), store.pin),
    putPin: async (p: PinHash) => void (await tick(), (store.pin = p)),
    deletePin: async () => void (await tick(), (store.pin = undefined)),
    getFailures: async () => (await tick(), store.failures && { ...store.failures }),
    putFailures: async (f: PinFailures) => void (await tick(), (store.failures = { ...f })),
    deleteFailures: async () => void (await tick(), (store.failures = undefined)),
  };
  return store;
}

describe('PinGuard', () => {
  it('counts parallel wrong PINs one by one, so a burst cannot outrun the back-off', async () => {
    const store = memoryStore(await hashPin('482913', 1000));
    const guard = await PinGuard.withStore(store, () => undefined);
    const burst = FREE_ATTEMPTS + 3;
    const results = await Promise.allSettled(Array.from({ length: burst }, (_, i) => guard.check(String(100000 + i))));
    const messages = results.map((r) => (r.status === 'rejected' && r.reason instanceof PinError ? r.reason.message : 'accepted'));
    expect(messages.filter((m) => m === 'Wrong PIN.')).toHaveLength(FREE_ATTEMPTS);
    expect(messages.filter((m) => m.startsWith('Too many wrong PINs'))).toHaveLength(burst - FREE_ATTEMPTS);
    expect(store.failures?.count).toBe(FREE_ATTEMPTS);
    // Even the right PIN now has to wait.
    await expect(guard.check('482913')).rejects.toThrow(/Too many wrong PINs/);
  });

  it('a right PIN clears the count, a wrong one is counted before it is checked', async () => {
    const store = memoryStore(await hashPin('482913', 1000));
    const guard = await PinGuard.withStore(store, () => undefined);
    await expect(guard.check('000000')).rejects.toThrow('Wrong PIN.');
    expect(store.failures?.count).toBe(1);
    const right = guard.check('482913');
    await right;
    expect(store.failures).toBeUndefined();
  });
});
