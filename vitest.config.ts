import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'harness-server/**/*.test.ts', 'phone/**/*.test.ts', 'extension/**/*.test.ts', 'test/unit/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
