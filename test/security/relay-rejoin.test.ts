// A peer that closes its relay socket and dials the same channel again right away must get its
// seat back: the old socket keeps its place until its 'close' event (a round trip later), so the
// relay evicts members that are no longer OPEN before refusing a newcomer with 1008
// (harness-server/relay/channels.ts `join`). phone-link.ts redials exactly like this after a
// failed session.
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from './support/relay-server.ts';

let relay: RunningRelay;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay.close();
});

function join(channelId: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${relay.url}/relay/${channelId}`);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the close code, or 0 once the relay reports both peers present. */
function admitted(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    socket.once('close', (code) => resolve(code));
    socket.on('message', (data) => {
      if (String(data).includes('"count":2')) resolve(0);
    });
  });
}

it('a peer that closes and rejoins its channel at once is admitted, not refused as "channel full"', async () => {
  const channelId = 'rejoin-'.padEnd(43, 'x');
  const stays = await join(channelId);
  const leaves = await join(channelId);
  leaves.close();
  const rejoined = new WebSocket(`${relay.url}/relay/${channelId}`);
  expect(await admitted(rejoined)).toBe(0);
  stays.close();
  rejoined.close();
});
