// The long fuzz pass, outside CI: every property of test/fuzz/targets with many more runs.
//
//   npx tsx test/fuzz/long.ts [--scale N] [--seed S] [--only TEXT] [--minutes M]
//
// --scale multiplies the CI run counts (default 200, i.e. 60 000 runs per cheap target);
// --seed replays a pass (default: a random seed, printed first); --only keeps the targets whose
// group or name contains TEXT; --minutes caps each target's time (default 5). Exits 1 if any
// property failed, after printing the counterexample and the command that replays it.
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { ciRuns, type RunnableGroup } from './support/registry.ts';
import { cborGroup } from './targets/cbor.ts';
import { linksGroup } from './targets/links.ts';
import { handshakeGroup, wireGroup } from './targets/protocol.ts';
import { rpHttpGroup } from './targets/rp-http.ts';
import { webauthnGroup } from './targets/webauthn.ts';

const GROUPS: RunnableGroup[] = [webauthnGroup, cborGroup, wireGroup, handshakeGroup, linksGroup, rpHttpGroup];

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '200' },
    seed: { type: 'string' },
    only: { type: 'string' },
    minutes: { type: 'string', default: '5' },
  },
});
const scale = Number(values.scale);
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!(scale > 0) || !(minutes > 0) || !Number.isInteger(seed)) {
  console.error('usage: tsx test/fuzz/long.ts [--scale N] [--seed S] [--only TEXT] [--minutes M]');
  process.exit(2);
}

console.log(`fuzz: seed ${seed}, scale ${scale}, at most ${minutes} min per target`);
console.log(`replay: npx tsx test/fuzz/long.ts --seed ${seed} --scale ${scale}${values.only ? ` --only '${values.only}'` : ''}\n`);

let failures = 0;
for (const group of GROUPS) {
  const targets = group.targets.filter((t) => !values.only || group.name.includes(values.only) || t.name.includes(values.only));
  if (targets.length === 0) continue;
  console.log(group.name);
  const session = await group.open();
  try {
    for (const target of targets) {
      const numRuns = ciRuns(target.cost) * scale;
      const started = Date.now();
      try {
        // interruptAfterTimeLimit ends a target early without failing it; markInterruptAsFailure stays off.
        await session.run(target.name, { numRuns, seed, interruptAfterTimeLimit: minutes * 60_000 });
        console.log(`  ok    ${target.name} (${numRuns} runs max, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (error) {
        failures += 1;
        console.log(`  FAIL  ${target.name}`);
        console.log(String(error instanceof Error ? error.message : error).replace(/^/gm, '        '));
        console.log(`        replay: npx tsx test/fuzz/long.ts --seed ${seed} --scale ${scale} --only '${target.name}'`);
      }
    }
  } finally {
    await session.close();
  }
}
console.log(failures === 0 ? '\nfuzz: no failures' : `\nfuzz: ${failures} target(s) failed`);
process.exit(failures === 0 ? 0 : 1);
