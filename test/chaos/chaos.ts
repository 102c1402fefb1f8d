// npm run test:chaos — the soak's load with faults injected while it runs, outside CI.
//
//   npx tsx test/chaos/chaos.ts [--rounds 3] [--faults server-crash,disk-full,stuck-reader]
//                               [--passkey-users 3] [--password-users 2] [--totp-users 6]
//                               [--channels 8] [--recovery-bound-s 90]
//
// Only local processes: the harness server as a child (SIGKILLed and restarted), a tmpfs for its
// data directory (as root; the disk-full fault is skipped otherwise, saying why). Prints the
// load's line every 10 s, a line per fault (recovery time, what it cost the clients) and exits 1
// if anything committed was lost, a request hung, a frame was lost without its sender being
// told, or a kind of sign-in did not work again within the recovery bound.
import { parseArgs } from 'node:util';
import { FAULT_NAMES, type FaultName } from './faults.ts';
import { resultLines, runChaos } from './run.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    faults: { type: 'string', default: FAULT_NAMES.join(',') },
    'passkey-users': { type: 'string', default: '3' },
    'password-users': { type: 'string', default: '2' },
    'totp-users': { type: 'string', default: '6' },
    channels: { type: 'string', default: '8' },
    'recovery-bound-s': { type: 'string', default: '90' },
  },
});
const faults = values.faults.split(',').filter(Boolean) as FaultName[];
const numbers = [values.rounds, values['passkey-users'], values['password-users'], values['totp-users'], values.channels, values['recovery-bound-s']].map(Number);
if (!numbers.every((n) => Number.isInteger(n) && n > 0) || !faults.every((f) => (FAULT_NAMES as readonly string[]).includes(f))) {
  console.error(`usage: tsx test/chaos/chaos.ts [--rounds N] [--faults ${FAULT_NAMES.join(',')}] [--passkey-users N] [--password-users N] [--totp-users N] [--channels N] [--recovery-bound-s N]`);
  process.exit(2);
}
const [rounds, passkey, password, totp, channelPairs, boundS] = numbers as [number, number, number, number, number, number];

console.log(`chaos: ${rounds} round(s) of ${faults.join(', ')}; users ${passkey} passkey, ${password} password, ${totp} TOTP; ${channelPairs} relay channel pairs; recovery bound ${boundS} s`);
const report = await runChaos({
  rounds,
  faults,
  users: { passkey, password, totp },
  channelPairs,
  recoveryBoundMs: boundS * 1000,
  requestTimeoutMs: 120_000,
  log: (line) => console.log(line),
});
console.log(`\n${resultLines(report.results).join('\n')}`);
console.log(`load: ${report.load.requests} requests, ${report.load.refusals.length} refused during faults, ${report.load.hungRequests.length} hung; ${report.load.framesEchoed} frames echoed, ${report.load.framesToldDropped} reported dropped, ${report.load.lostFrames.length} lost`);
if (report.problems.length > 0) {
  console.log(`\nchaos FAILED:\n${report.problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('\nchaos passed: nothing committed was lost');
