// Registers fuzz groups as Vitest suites: one test per target, CI-sized run counts.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ciRuns, ciSeed, FuzzFailure, type RunnableGroup } from './registry.ts';

export function registerFuzzGroup(group: RunnableGroup): void {
  describe(group.name, () => {
    let session: Awaited<ReturnType<RunnableGroup['open']>> | null = null;
    beforeAll(async () => {
      session = await group.open();
    });
    afterAll(async () => {
      await session?.close();
    });
    for (const target of group.targets) {
      it(target.name, async () => {
        const seed = ciSeed();
        try {
          await session!.run(target.name, { numRuns: ciRuns(target.cost), ...(seed === undefined ? {} : { seed }) });
        } catch (error) {
          if (!(error instanceof FuzzFailure)) throw error;
          throw new Error(`${error.message}\n\nReplay this target alone: ${error.replay(Number(process.env.PAIRKEY_FUZZ_SCALE ?? 1))}`, { cause: error });
        }
      });
    }
  });
}
