// CI's chaos round: the load of the soak with one of each fault injected while it runs — SIGKILL
// and restart of the harness server, its data directory's disk filling up (a tmpfs, as root;
// skipped otherwise, saying why), a relay peer that stops reading, SIGKILL of one of two relay
// nodes on a NATS bus, a restart of nats-server. Nothing the clients saw
// committed may be lost, every frame is delivered or its sender told, nothing hangs, and every
// kind of sign-in works again within the recovery bound (docs/reliability.md).
import { expect, it } from 'vitest';
import { FAULT_NAMES } from './faults.ts';
import { resultLines, runChaos } from './run.ts';

it('one round of each fault under load: nothing committed is lost, nothing hangs, everything recovers', async () => {
  const report = await runChaos({
    rounds: 1,
    faults: FAULT_NAMES,
    users: { passkey: 2, password: 1, totp: 3 },
    channelPairs: 4,
    recoveryBoundMs: 90_000,
    requestTimeoutMs: 120_000,
    log: (line) => console.info(line),
  });
  console.info(resultLines(report.results).join('\n'));
  expect(report.problems).toEqual([]);
  expect(report.results.map((r) => r.fault)).toEqual([...FAULT_NAMES]);
}, 900_000);
