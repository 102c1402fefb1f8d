// One definition of every fuzz property, run two ways: by Vitest in CI with modest run counts
// (test/fuzz/*.test.ts) and by test/fuzz/long.ts with many more runs and a printed seed.
import fc from 'fast-check';

export interface FuzzRun {
  numRuns: number;
  seed?: number;
  /** fast-check's counterexample path: replay one failing input (and its shrinking) directly. */
  path?: string;
  /** Stop a target after this many milliseconds (long runs only). */
  interruptAfterTimeLimit?: number;
}

/**
 * A target's property failed. Carries what replays it alone: every input is generated fresh from
 * the seed, so the target's seed and path reproduce the failure whatever ran before (issue 21).
 */
export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';

  constructor(
    readonly target: string,
    readonly seed: number,
    readonly path: string | null,
    readonly numRuns: number,
    report: string,
  ) {
    super(report);
  }

  /** The command that runs this target alone on the failing input (`scale` as the run used). */
  replay(scale: number): string {
    const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
    return `npx tsx test/fuzz/long.ts --target ${quote(this.target)} --seed ${this.seed}${this.path ? ` --path ${quote(this.path)}` : ''} --scale ${scale}`;
  }
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
  open(): Promise<FuzzSession>;
}

export interface FuzzStats {
  /** Inputs the property was run on (fewer than asked when the time limit ended the target). */
  runs: number;
  interrupted: boolean;
}

export interface FuzzSession {
  /** Runs one target's property; throws FuzzFailure when it fails. */
  run(target: string, params: FuzzRun): Promise<FuzzStats>;
  /** The inputs the target's property would be given for this seed (no code under test runs). */
  sample(target: string, params: { numRuns: number; seed: number }): unknown[];
  close(): Promise<void>;
}

export function defineGroup<C>(group: FuzzGroup<C>): RunnableGroup {
  return {
    name: group.name,
    targets: group.targets.map(({ name, cost }) => ({ name, cost })),
    async open() {
      const context = await group.setup();
      const find = (name: string) => {
        const target = group.targets.find((t) => t.name === name);
        if (!target) throw new Error(`No fuzz target "${name}" in ${group.name}`);
        return target;
      };
      return {
        async run(name, params) {
          const details = await fc.check(find(name).property(context), params);
          if (details.failed) throw new FuzzFailure(name, details.seed, details.counterexamplePath, params.numRuns, fc.defaultReportMessage(details));
          return { runs: details.numRuns, interrupted: details.interrupted };
        },
        sample: (name, params) => fc.sample(find(name).property(context), params),
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

/**
 * The seed of the CI pass: fixed, so CI is the same short pass every time (the long pass in
 * test/fuzz/long.ts explores new seeds). PAIRKEY_FUZZ_SEED picks another one; "random" lets
 * fast-check pick one (printed in the replay line on failure).
 */
export const CI_SEED = 1156645359;

export function ciSeed(): number | undefined {
  const raw = process.env.PAIRKEY_FUZZ_SEED;
  if (raw === undefined || raw === '') return CI_SEED;
  return raw === 'random' ? undefined : Number(raw);
}
