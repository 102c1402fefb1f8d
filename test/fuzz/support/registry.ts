// One definition of every fuzz property, run two ways: by Vitest in CI with modest run counts
// (test/fuzz/*.test.ts) and by test/fuzz/long.ts with many more runs and a printed seed.
import fc from 'fast-check';

export interface FuzzRun {
  numRuns: number;
  seed?: number;
  /** Stop a target after this many milliseconds (long runs only). */
  interruptAfterTimeLimit?: number;
}

/**
 * How many runs a target gets per unit of budget: parsers take microseconds per input, while a
 * handshake or an HTTP round trip takes milliseconds.
 */
export type FuzzCost = 'cheap' | 'costly';

export interface FuzzTarget<C> {
  name: string;
  cost: FuzzCost;
  /** The fast-check property over the group's context. */
  property(context: C): fc.IRawProperty<unknown>;
}

export interface FuzzGroup<C> {
  name: string;
  /** Shared state the properties need (a running server, an established channel). */
  setup(): Promise<C>;
  teardown(context: C): Promise<void>;
  targets: FuzzTarget<C>[];
}

/** A group with its context type hidden, so groups of different contexts fit one list. */
export interface RunnableGroup {
  name: string;
  targets: { name: string; cost: FuzzCost }[];
  open(): Promise<{ run(target: string, params: FuzzRun): Promise<void>; close(): Promise<void> }>;
}

export function defineGroup<C>(group: FuzzGroup<C>): RunnableGroup {
  return {
    name: group.name,
    targets: group.targets.map(({ name, cost }) => ({ name, cost })),
    async open() {
      const context = await group.setup();
      return {
        async run(name, params) {
          const target = group.targets.find((t) => t.name === name);
          if (!target) throw new Error(`No fuzz target "${name}" in ${group.name}`);
          await fc.assert(target.property(context), params);
        },
        close: () => group.teardown(context),
      };
    },
  };
}

/** A group without shared state. */
export function stateless(name: string, targets: FuzzTarget<void>[]): RunnableGroup {
  return defineGroup<void>({ name, setup: async () => undefined, teardown: async () => undefined, targets });
}

/** Runs per target in CI: enough to catch regressions, small enough for a few seconds per file. */
export function ciRuns(cost: FuzzCost): number {
  const scale = Number(process.env.PAIRKEY_FUZZ_SCALE ?? 1);
  return Math.max(1, Math.round((cost === 'cheap' ? 300 : 40) * scale));
}

/** A fixed seed (PAIRKEY_FUZZ_SEED) replays a failure; otherwise fast-check picks and reports one. */
export function ciSeed(): number | undefined {
  const raw = process.env.PAIRKEY_FUZZ_SEED;
  return raw === undefined || raw === '' ? undefined : Number(raw);
}
