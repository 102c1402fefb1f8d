// What every suite gets from the runner and gives back.
import type { SuiteResult } from './results.ts';

export interface SuiteContext {
  /** Tiny iteration counts: proves the suite runs and prints numbers, in seconds. */
  smoke: boolean;
  /** The built Chrome extension (a directory holding manifest.json). */
  extensionDir: string;
  chromium: string;
  log: (line: string) => void;
}

export interface Suite {
  name: string;
  run(context: SuiteContext): Promise<SuiteResult>;
}
