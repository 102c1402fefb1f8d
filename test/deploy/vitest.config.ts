import { defineConfig } from 'vitest/config';

// The deployment configs in deploy/, run for real (nginx from apt, installed by .ci/run).
export default defineConfig({
  test: {
    include: ['test/deploy/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
