// Build-time constants (extension/build.ts defines them).

/** True in development and test builds; false in the store build, so test-only code is removed. */
declare const __PAIRKEY_TEST_HOOKS__: boolean;
