// A one-minute version of `npm run test:soak` for CI: the same load on the relay and the RP,
// every request and frame accounted for, every kind of sign-in going all the way through. One
// minute says little about slow leaks, so the memory bound here only catches a runaway; the
// long soak checks flatness.
import { expect, it } from 'vitest';
import { memoryVerdict, runSoak, SIGN_IN_KINDS, soakProblems } from './load.ts';

it('the relay and the RP lose nothing, and no kind of sign-in stalls, under a minute of sustained load', async () => {
  // Six TOTP users a sixth of a step apart: each 10 s interval should see two of them.
  const report = await runSoak({ durationMs: 60_000, users: { passkey: 3, password: 2, totp: 6 }, channelPairs: 8, framesPerChannel: 100, sampleEveryMs: 10_000, log: (line) => console.info(line) });
  const memory = memoryVerdict(report.rss);
  console.info(
    `short soak: ${report.requests} requests (p99 ${report.latency.p99.toFixed(0)} ms), ${SIGN_IN_KINDS.map((kind) => `${report.kinds[kind].signIns} ${kind}`).join(', ')} sign-ins, ${report.framesEchoed} frames over ${report.channelsOpened} channels, ` +
      `rss ${memory.baselineMb.toFixed(0)} → ${memory.finalMb.toFixed(0)} MB`,
  );
  expect(soakProblems(report, 100)).toEqual([]);
}, 240_000);
