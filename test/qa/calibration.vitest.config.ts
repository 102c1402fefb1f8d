// The exact calibration matrix (issue 17): `npm run test:qa:calibration` (after `npm run build`).
// Not part of `npm test`: every check under every QA switch takes minutes. See docs/qa.md.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/qa/calibration-matrix.test.ts', 'test/qa/sites.test.ts', 'test/qa/init-sites.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
