// npm run test:soak — the relay and the relying party under sustained load, outside CI.
//
//   npx tsx test/soak/soak.ts [--minutes 10] [--passkey-users 6] [--password-users 3]
//                             [--totp-users 12] [--channels 16] [--max-growth-mb 40]
//                             [--think-ms 0]
//
// Prints a line every 10 s (server RSS; per kind of sign-in its rate, p99 and failures; relay
// frames) and a summary; exits 1 if any request or frame was lost, a kind of sign-in stalled
// (none for two intervals in a row), the server died, or its memory grew by more than
// --max-growth-mb between the start and the end of the run (after a warm-up fifth).
// --think-ms makes the load steady instead of saturating: each user pauses that long after every
// sign-in and each channel pair after every frame (a long soak beside other work, or a rate cap).
import { parseArgs } from 'node:util';
import { memoryVerdict, runSoak, SIGN_IN_KINDS, soakProblems } from './load.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'passkey-users': { type: 'string', default: '6' },
    'password-users': { type: 'string', default: '3' },
    'totp-users': { type: 'string', default: '12' },
    channels: { type: 'string', default: '16' },
    'max-growth-mb': { type: 'string', default: '40' },
    'think-ms': { type: 'string', default: '0' },
  },
});
const minutes = Number(values.minutes);
const users = { passkey: Number(values['passkey-users']), password: Number(values['password-users']), totp: Number(values['totp-users']) };
const channelPairs = Number(values.channels);
const maxGrowthMb = Number(values['max-growth-mb']);
const thinkMs = Number(values['think-ms']);
if (![minutes, ...Object.values(users), channelPairs, maxGrowthMb].every((n) => Number.isFinite(n) && n > 0) || !(thinkMs >= 0)) {
  console.error('usage: tsx test/soak/soak.ts [--minutes N] [--passkey-users N] [--password-users N] [--totp-users N] [--channels N] [--max-growth-mb N] [--think-ms N]');
  process.exit(2);
}

console.log(`soak: ${minutes} min; users signing in, each from its own address: ${users.passkey} by passkey, ${users.password} by password, ${users.totp} by password + TOTP; ${channelPairs} relay channel pairs${thinkMs > 0 ? `; each pausing ${thinkMs} ms between sign-ins and between frames` : ''}`);
const report = await runSoak({
  durationMs: minutes * 60_000,
  users,
  channelPairs,
  framesPerChannel: 200,
  thinkMs,
  // Intervals of at least 10 s: a TOTP user signs in once per 30 s step, so shorter ones would
  // read its kind's quiet moments as a stall.
  sampleEveryMs: 10_000,
  log: (line) => console.log(line),
});
const memory = memoryVerdict(report.rss);
console.log(`
requests    ${report.requests} (${report.failedRequests.length} failed), latency p50 ${report.latency.p50.toFixed(1)} ms, p99 ${report.latency.p99.toFixed(1)} ms, max ${report.latency.max.toFixed(1)} ms
sign-ins    ${SIGN_IN_KINDS.map((kind) => `${kind} ${report.kinds[kind].signIns} (p99 ${report.kinds[kind].p99.toFixed(0)} ms, ${report.kinds[kind].failures} failed)`).join(', ')}
frames      ${report.framesSent} sent, ${report.framesEchoed} echoed, ${report.lostFrames.length} lost, over ${report.channelsOpened} channels
memory      ${memory.baselineMb.toFixed(1)} MB after warm-up → ${memory.finalMb.toFixed(1)} MB at the end (${memory.growthMb >= 0 ? '+' : ''}${memory.growthMb.toFixed(1)} MB, trend ${memory.slopeMbPerMin.toFixed(2)} MB/min)`);
const problems = soakProblems(report, maxGrowthMb);
if (problems.length > 0) {
  console.log(`\nsoak FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('\nsoak passed');
