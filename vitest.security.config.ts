import { defineConfig } from 'vitest/config';

// The reliability and security suite (issue 8): fuzzing, the hostile relay, attacks on the RP,
// faults and a 20-second soak. `*.known-issue.test.ts` files reproduce open bugs (each says why
// at its top); they stay out of CI and run with PAIRKEY_KNOWN_ISSUES=1.
const knownIssues = process.env.PAIRKEY_KNOWN_ISSUES === '1';

export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.test.ts', 'test/security/**/*.test.ts', 'test/faults/**/*.test.ts', 'test/soak/**/*.test.ts', 'test/chaos/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(knownIssues ? [] : ['**/*.known-issue.test.ts'])],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
