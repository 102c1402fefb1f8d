// The Firefox ESR end-to-end suite: `npm run test:e2e:firefox` (after `npm run build`).
// Scenarios run one at a time: each launches Firefox, and the machine has few cores.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e-firefox/**/*.spec.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-results/e2e-firefox-junit.xml' },
  },
});
