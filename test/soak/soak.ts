// npm run test:soak — the relay and the relying party under sustained load, outside CI.
//
//   npx tsx test/soak/soak.ts [--minutes 10] [--users 8] [--channels 16] [--max-growth-mb 40]
//
// Prints a line every few seconds (server RSS, requests, frames) and a summary; exits 1 if any
// request or frame was lost, the server died, or its memory grew by more than --max-growth-mb
// between the start and the end of the run (after a warm-up fifth).
import { parseArgs } from 'node:util';
import { memoryVerdict, runSoak, soakProblems } from './load.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    users: { type: 'string', default: '8' },
    channels: { type: 'string', default: '16' },
    'max-growth-mb': { type: 'string', default: '40' },
  },
});
const minutes = Number(values.minutes);
const users = Number(values.users);
const channelPairs = Number(values.channels);
const maxGrowthMb = Number(values['max-growth-mb']);
if (![minutes, users, channelPairs, maxGrowthMb].every((n) => Number.isFinite(n) && n > 0)) {
  console.error('usage: tsx test/soak/soak.ts [--minutes N] [--users N] [--channels N] [--max-growth-mb N]');
  process.exit(2);
}

console.log(`soak: ${minutes} min, ${users} accounts signing in, ${channelPairs} relay channel pairs`);
const report = await runSoak({
  durationMs: minutes * 60_000,
  users,
  channelPairs,
  framesPerChannel: 200,
  sampleEveryMs: Math.max(1_000, Math.min(10_000, (minutes * 60_000) / 120)),
  log: (line) => console.log(line),
});
const memory = memoryVerdict(report.rss);
console.log(`
requests    ${report.requests} (${report.failedRequests.length} failed), latency p50 ${report.latency.p50.toFixed(1)} ms, p99 ${report.latency.p99.toFixed(1)} ms, max ${report.latency.max.toFixed(1)} ms
frames      ${report.framesSent} sent, ${report.framesEchoed} echoed, ${report.lostFrames.length} lost, over ${report.channelsOpened} channels
memory      ${memory.baselineMb.toFixed(1)} MB after warm-up → ${memory.finalMb.toFixed(1)} MB at the end (${memory.growthMb >= 0 ? '+' : ''}${memory.growthMb.toFixed(1)} MB, trend ${memory.slopeMbPerMin.toFixed(2)} MB/min)`);
const problems = soakProblems(report, maxGrowthMb);
if (problems.length > 0) {
  console.log(`\nsoak FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('\nsoak passed');
