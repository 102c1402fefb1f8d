// Entry point of `pairkey` (bin/pairkey.mjs): `pairkey qa …`. See qa/cli/main.ts and docs/qa.md.
import { main } from './cli/main.ts';

const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
// Exit at once: a browser or socket left half-closed by a failure must not keep the CLI alive.
process.exitCode = code;
process.stdout.write('', () => process.exit(code));
