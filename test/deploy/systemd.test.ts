// deploy/systemd: the relay node's unit and the drop-in for Debian's nats-server.service, checked
// by `systemd-analyze verify` (unknown keys, bad values, commands that are not executable).
// Node's path and the checkout's are those of this machine; every substitution must match.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ANALYZE = '/usr/bin/systemd-analyze';
const DEBIAN_NATS_UNIT = '/lib/systemd/system/nats-server.service';
const repo = fileURLToPath(new URL('../..', import.meta.url));
const missing = existsSync(ANALYZE) ? null : 'systemd-analyze is not installed (Debian package systemd)';
if (missing) console.warn(`test/deploy/systemd.test.ts skipped: ${missing}`);

const dir = mkdtempSync(join(tmpdir(), 'pairkey-systemd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function verify(name: string, text: string): { status: number | null; output: string } {
  const file = join(dir, name);
  writeFileSync(file, text);
  const result = spawnSync(ANALYZE, ['verify', file], { encoding: 'utf8' });
  // Warnings (an unknown key, a bad value) go to stderr with status 0: both must be clean.
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe.skipIf(missing !== null)('deploy/systemd units', () => {
  it('pairkey-relay.service verifies, with this machine\'s node and checkout', () => {
    let unit = readFileSync(join(repo, 'deploy/systemd/pairkey-relay.service'), 'utf8');
    const exec = /^ExecStart=\/usr\/bin\/node \/opt\/pairkey\/bin\/pairkey\.mjs relay$/m;
    expect(unit).toMatch(exec);
    unit = unit.replace(exec, `ExecStart=${process.execPath} ${join(repo, 'bin/pairkey.mjs')} relay`);
    expect(verify('pairkey-relay.service', unit)).toEqual({ status: 0, output: '' });
  });

  it.skipIf(!existsSync(DEBIAN_NATS_UNIT))('the nats-server drop-in verifies on top of Debian\'s unit', () => {
    const dropIn = readFileSync(join(repo, 'deploy/systemd/nats-server.service.d/pairkey.conf'), 'utf8');
    // A drop-in adds to its unit's sections: verified as one file, it is checked key by key.
    expect(verify('nats-server.service', `${readFileSync(DEBIAN_NATS_UNIT, 'utf8')}\n${dropIn}`)).toEqual({ status: 0, output: '' });
  });
});
