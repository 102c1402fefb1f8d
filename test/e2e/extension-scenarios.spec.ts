// The extension's end-to-end scenarios in Chromium (the same scenarios run in Firefox ESR from
// test/e2e-firefox). Each gets a fresh profile with the built extension, local sites and phones.
import { test } from '../support/chromium-fixtures.ts';
import { allScenarios } from '../support/scenarios/index.ts';

for (const scenario of allScenarios) {
  if (scenario.only && scenario.only !== 'chromium') continue;
  test(scenario.name, async ({ ctx }) => {
    await scenario.run(ctx);
  });
}
