// A 20-second version of `npm run test:soak` for CI: the same load on the relay and the RP,
// every request and frame accounted for. Twenty seconds say little about slow leaks, so the
// memory bound here only catches a runaway; the 10-minute soak checks flatness.
import { expect, it } from 'vitest';
import { memoryVerdict, runSoak, soakProblems } from './load.ts';

it('the relay and the RP lose nothing under 20 s of sustained load', async () => {
  const report = await runSoak({ durationMs: 20_000, users: 4, channelPairs: 8, framesPerChannel: 100, sampleEveryMs: 1_000 });
  const memory = memoryVerdict(report.rss);
  console.info(
    `short soak: ${report.requests} requests (p99 ${report.latency.p99.toFixed(0)} ms), ${report.framesEchoed} frames over ${report.channelsOpened} channels, ` +
      `rss ${memory.baselineMb.toFixed(0)} → ${memory.finalMb.toFixed(0)} MB`,
  );
  expect(soakProblems(report, 100)).toEqual([]);
}, 90_000);
