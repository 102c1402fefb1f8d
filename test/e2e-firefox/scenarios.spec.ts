// The extension's end-to-end scenarios in Firefox ESR (the same scenarios run in Chromium from
// test/e2e/extension-scenarios.spec.ts): a fresh profile per scenario, one harness relay per run.
import { afterAll, beforeAll, it } from 'vitest';
import { firefoxContext } from '../support/firefox.ts';
import { HarnessProcess } from '../support/harness-process.ts';
import { allScenarios } from '../support/scenarios/index.ts';

let harness: HarnessProcess;
beforeAll(async () => {
  harness = await HarnessProcess.start();
});
afterAll(async () => {
  await harness?.stop();
});

for (const scenario of allScenarios) {
  if (scenario.only && scenario.only !== 'firefox') continue;
  it(scenario.name, async () => {
    const { ctx, dispose } = await firefoxContext(harness);
    try {
      await scenario.run(ctx);
    } finally {
      await dispose();
    }
  });
}
