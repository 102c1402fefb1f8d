import { defineConfig } from '@playwright/test';

// The e2e suite runs its own harness server on test ports, so it never collides with `npm start`.
export const E2E_PORT = Number(process.env.PAIRKEY_E2E_PORT ?? 18787);
export const E2E_PHONE_PORT = E2E_PORT + 1;

export default defineConfig({
  testDir: 'test/e2e',
  // One browser profile with one extension and one paired phone per test: run them one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  forbidOnly: true,
  // Playwright empties its output folder at start: runs on other ports (parallel work on one
  // checkout) each get their own, so one run never deletes another's traces mid-test.
  outputDir: process.env.PAIRKEY_E2E_PORT ? `test-results/e2e-${E2E_PORT}` : 'test-results/e2e',
  // CI machines here have 2 cores shared by two browsers, the server and the phone: one retry
  // absorbs a scheduling stall; a real failure fails twice and is reported (with a trace).
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'test-results/e2e-junit.xml' }]] : 'list',
  use: { trace: 'retain-on-failure' },
  webServer: {
    command: 'npx tsx harness-server/main.ts',
    url: `http://localhost:${E2E_PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      PORT: String(E2E_PORT),
      PHONE_PORT: String(E2E_PHONE_PORT),
      DATA_DIR: ':memory:',
      LOG_LEVEL: 'warn',
      // Every spec shares this one server from 127.0.0.1; the per-IP limit has its own tests.
      RATE_LIMIT_PER_MINUTE: '10000',
    },
  },
});
