import { defineConfig } from 'vitest/config';

// The relay across nodes (issue 13): starts its own nats-server and relay nodes on free ports.
export default defineConfig({
  test: {
    include: ['test/relay-cluster/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
