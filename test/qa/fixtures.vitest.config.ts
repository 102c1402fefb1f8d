// The QA fixtures' own vitest tests: helpers in qa/ and the Firefox launcher end to end (needs
// `npm run build` and Firefox ESR). Run: npx vitest run --config test/qa/fixtures.vitest.config.ts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['qa/**/*.test.ts', 'test/qa/fixtures-*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-results/qa-fixtures-junit.xml' },
  },
});
