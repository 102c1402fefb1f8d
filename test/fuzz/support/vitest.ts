// Registers fuzz groups as Vitest suites: one test per target, CI-sized run counts.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ciRuns, ciSeed, type RunnableGroup } from './registry.ts';

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
        await session!.run(target.name, { numRuns: ciRuns(target.cost), ...(seed === undefined ? {} : { seed }) });
      });
    }
  });
}
