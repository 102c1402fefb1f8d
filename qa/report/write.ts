// --report-dir: report.html, junit.xml and results.json side by side.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { htmlReport } from './html.ts';
import { junitXml } from './junit.ts';
import type { RunResult } from './types.ts';

/** The run as JSON: everything but the screenshots (report.html has those). */
export function resultsJson(run: RunResult): string {
  const checks = run.checks.map((check) => ({
    ...check,
    steps: check.steps.map(({ screenshot: _, ...step }) => step),
  }));
  return `${JSON.stringify({ ...run, checks }, null, 2)}\n`;
}

export function writeReports(run: RunResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['report.html', htmlReport(run)],
    ['junit.xml', junitXml(run)],
    ['results.json', resultsJson(run)],
  ];
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  return files.map(([name]) => join(dir, name));
}
