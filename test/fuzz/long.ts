// The long fuzz pass, outside CI: every property of test/fuzz/targets with many more runs.
//
//   npx tsx test/fuzz/long.ts [--scale N] [--seed S] [--only TEXT] [--target NAME [--path P]] [--minutes M]
//
// --scale multiplies the CI run counts (default 200, i.e. 60 000 runs per cheap target);
// --seed replays a pass (default: a random seed, printed first); --only keeps the targets whose
// group or name contains TEXT; --target keeps the one target named exactly NAME, and --path
// (fast-check's counterexample path) jumps straight to a failing input of it; --minutes caps
// each target's time (default 5). Prints how many inputs each target ran on. Exits 1 if any
// property failed, after printing the counterexample and the command that replays that target
// alone: every input is generated fresh from the seed, so no target depends on what ran before.
import { parseArgs } from 'node:util';
import { ciRuns, FuzzFailure } from './support/registry.ts';
import { ALL_GROUPS } from './targets/index.ts';

const USAGE = 'usage: tsx test/fuzz/long.ts [--scale N] [--seed S] [--only TEXT] [--target NAME [--path P]] [--minutes M]';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '200' },
    seed: { type: 'string' },
    only: { type: 'string' },
    target: { type: 'string' },
    path: { type: 'string' },
    minutes: { type: 'string', default: '5' },
  },
});
const scale = Number(values.scale);
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const known = ALL_GROUPS.flatMap((g) => g.targets.map((t) => t.name));
if (!(scale > 0) || !(minutes > 0) || !Number.isInteger(seed) || (values.path !== undefined && values.target === undefined)) {
  console.error(USAGE);
  process.exit(2);
}
if (values.target !== undefined && !known.includes(values.target)) {
  console.error(`No fuzz target is named "${values.target}". The targets:\n${known.map((n) => `  ${n}`).join('\n')}`);
  process.exit(2);
}

const selected = (group: string, target: string) =>
  values.target !== undefined ? target === values.target : !values.only || group.includes(values.only) || target.includes(values.only);

console.log(`fuzz: seed ${seed}, scale ${scale}, at most ${minutes} min per target\n`);

let failures = 0;
for (const group of ALL_GROUPS) {
  const targets = group.targets.filter((t) => selected(group.name, t.name));
  if (targets.length === 0) continue;
  console.log(group.name);
  const session = await group.open();
  try {
    for (const target of targets) {
      const numRuns = ciRuns(target.cost) * scale;
      const started = Date.now();
      try {
        // interruptAfterTimeLimit ends a target early without failing it; markInterruptAsFailure stays off.
        const stats = await session.run(target.name, { numRuns, seed, interruptAfterTimeLimit: minutes * 60_000, ...(values.path ? { path: values.path } : {}) });
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        console.log(`  ok    ${target.name} (${stats.runs} of ${numRuns} inputs${stats.interrupted ? ', time limit' : ''}, ${seconds} s)`);
      } catch (error) {
        failures += 1;
        console.log(`  FAIL  ${target.name}`);
        console.log(String(error instanceof Error ? error.message : error).replace(/^/gm, '        '));
        if (error instanceof FuzzFailure) console.log(`        replay this target alone: ${error.replay(scale)}`);
      }
    }
  } finally {
    await session.close();
  }
}
console.log(failures === 0 ? '\nfuzz: no failures' : `\nfuzz: ${failures} target(s) failed`);
process.exit(failures === 0 ? 0 : 1);
