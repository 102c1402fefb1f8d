// Support for the `pairkey qa init` tests: draft a profile with the real CLI (real Chromium, the
// built extension, a paired phone), and the person's edit of the draft as text, the way it is
// done in an editor: find a line, change it, so the test shows what a person had to touch.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Profile } from '../../qa/profile/schema.ts';
import { runCli, type CliRun, type Rp } from './cli-harness.ts';

export interface Drafted {
  run: CliRun;
  file: string;
  text: string;
  profile: Profile;
}

/** `pairkey qa init --site <site> --out <dir>/<name>.yaml`, with `rp`'s relay and phone app. */
export async function draftWithInit(rp: Rp, site: string, dir: string, name: string): Promise<Drafted> {
  const file = join(dir, `${name}.yaml`);
  const run = await runCli(['qa', 'init', '--server', rp.url, '--site', site, '--out', file], { PHONE_PORT: String(rp.phonePort) });
  if (run.code !== 0) throw new Error(`qa init exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  const text = readFileSync(file, 'utf8');
  return { run, file, text, profile: parseYaml(text) as Profile };
}

/** A person's edit: replace the line matching `line` with `replacement` (exactly one line must match). */
export function editLine(text: string, line: RegExp, replacement: string): string {
  const lines = text.split('\n');
  const hits = lines.flatMap((l, i) => (line.test(l) ? [i] : []));
  if (hits.length !== 1) throw new Error(`${hits.length} lines match ${line} in the draft:\n${text}`);
  const indent = /^\s*/.exec(lines[hits[0]!]!)![0];
  lines[hits[0]!] = indent + replacement;
  return lines.join('\n');
}

export function writeEdited(dir: string, name: string, text: string): string {
  const file = join(dir, `${name}.edited.yaml`);
  writeFileSync(file, text);
  return file;
}
