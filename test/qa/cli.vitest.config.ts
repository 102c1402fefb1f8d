// The QA CLI's tests: `npx vitest run --config test/qa/cli.vitest.config.ts` (after `npm run build`).
// Two files at a time: a run spends much of its time waiting on the site and the phone, so two
// lanes (the all-on calibration next to the per-switch one) fit on two cores.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // mailbox and accounts: unit tests of the CLI's readers (a second each), next to its runs;
    // init: `qa init` drafting the passkey-only demo site, and its drafting without a browser.
    include: ['test/qa/cli-*.test.ts', 'test/qa/mailbox.test.ts', 'test/qa/accounts.test.ts', 'test/qa/init.test.ts', 'test/qa/init-draft.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-results/qa-cli-junit.xml' },
  },
});
