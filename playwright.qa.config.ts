import { defineConfig } from '@playwright/test';
import e2e from './playwright.config.ts';

// The QA harness's own Playwright tests (test/qa/*.spec.ts): the e2e settings and the same harness
// server on the e2e ports (PAIRKEY_E2E_PORT), so the fixtures are tested against the bundled RP.
export default defineConfig({
  ...e2e,
  testDir: 'test/qa',
  testMatch: '**/*.spec.ts',
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'test-results/qa-junit.xml' }]] : 'list',
});
