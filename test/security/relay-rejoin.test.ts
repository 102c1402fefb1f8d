// Seats on the real relay, as the clients use them.
//
// A peer that closes its relay socket and dials the same channel again right away must get its
// seat back: the old socket keeps its place until its 'close' event (a round trip later), so the
// relay gives the seat to the newest holder that proves it (harness-server/relay/channels.ts
// `take`). phone-link.ts redials exactly like this after a failed session.
//
// Issue 20 item 3: someone who learned a channel's name (a proxy's access log, a ws:// observer
// of the upgrade request) used to take both seats with two sockets and keep them by sending each
// other frames. The name no longer admits anyone: a seat needs a token only the pairing's two
// ends can compute (docs/protocol.md §5.1).
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pairingSeat, type GetAssertionMessage, type RelaySeat } from '../../shared/protocol/index.ts';
import { ExtensionEndpoint, PairingOfferEndpoint, PhoneEndpoint, pairPhone } from './support/endpoints.ts';
import { MitmRelay } from './support/mitm-relay.ts';
import { startRelay, type RunningRelay } from './support/relay-server.ts';
import { until } from './support/until.ts';

let relay: RunningRelay;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay.close();
});

/** A socket on the channel that sends `first` as its first message (a seat's join, or a squatter's attempt). */
function dial(channel: string, first?: object): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${relay.url}/relay/${channel}`);
    socket.once('open', () => {
      if (first) socket.send(JSON.stringify(first));
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

const join = (seat: RelaySeat) => dial(seat.channel, seat.join);

/** Resolves with the close code, or 0 once the relay reports both peers present. */
function admitted(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    socket.once('close', (code) => resolve(code));
    socket.on('message', (data) => {
      if (String(data).includes('"count":2')) resolve(0);
    });
  });
}

function seats(): { extension: RelaySeat; phone: RelaySeat } {
  const secret = randomBytes(32);
  return { extension: pairingSeat(secret, 'extension'), phone: pairingSeat(secret, 'phone') };
}

it('a peer that closes and rejoins its channel at once is admitted, not refused as "channel full"', async () => {
  const { extension, phone } = seats();
  const stays = await join(extension);
  const leaves = await join(phone);
  leaves.close();
  const rejoined = await join(phone);
  expect(await admitted(rejoined)).toBe(0);
  stays.close();
  rejoined.close();
});

it('squatters who know a pairing\'s channel name from a proxy log cannot hold it; the paired ends still sign', async () => {
  // Pair and run a session through a proxy that logs every URL, as a reverse proxy's access log would.
  const proxy = await MitmRelay.start(relay.url);
  const offer = await PairingOfferEndpoint.open(proxy.url('ext'));
  const phonePairing = await pairPhone(offer.link, { relayUrl: proxy.url('phone') });
  const extensionPairing = await offer.paired();
  offer.close();
  const phone = new PhoneEndpoint(proxy.url('phone'), phonePairing);
  const extension = new ExtensionEndpoint(proxy.url('ext'), extensionPairing);
  try {
    await phone.connect();
    await extension.connect();
    await until(() => extension.hasChannel && phone.hasChannel, 'the first session');
    const logged = new Set(proxy.connections.map((c) => c.channelId));
    const paired = proxy.connections.at(-1)!.channelId;
    expect(logged.size).toBe(2); // the pairing channel and the paired one
    expect(logged.has(extensionPairing.pairedChannelId)).toBe(false); // the relay never sees the local id

    // Both ends go away; two squatters take their turn on every channel name in the log, holding
    // their sockets open and trying every seat with made-up proofs.
    extension.close();
    phone.stop();
    const squatters: WebSocket[] = [];
    for (const channel of logged) {
      squatters.push(await dial(channel), await dial(channel));
      for (const seat of ['extension', 'phone'] as const) {
        const made = { type: 'join', seat, token: randomBytes(32).toString('base64url'), peer: randomBytes(32).toString('base64url') };
        const attempt = await dial(channel, made);
        expect(await admitted(attempt)).toBe(1008);
      }
    }

    // The paired ends come back while the squatters hold on, meet and complete a request.
    const phoneAgain = new PhoneEndpoint(proxy.url('phone'), phonePairing);
    const extensionAgain = new ExtensionEndpoint(proxy.url('ext'), extensionPairing);
    try {
      await phoneAgain.connect();
      await extensionAgain.connect();
      const reply = await extensionAgain.ask(request('after-squat'));
      expect(reply).toMatchObject({ type: 'assertion', id: 'after-squat' });
      expect(proxy.connections.at(-1)!.channelId).toBe(paired);
      for (const squatter of squatters) expect(squatter.readyState).toBe(WebSocket.OPEN);
    } finally {
      extensionAgain.close();
      phoneAgain.stop();
      for (const squatter of squatters) squatter.terminate();
    }
  } finally {
    extension.close();
    phone.stop();
    await proxy.close();
  }
});

function request(id: string): GetAssertionMessage {
  return {
    type: 'get-assertion',
    id,
    timeout: 30_000,
    clientDataJSON: randomBytes(64).toString('base64url'),
    rpId: 'rejoin.example',
    allowCredentials: [{ type: 'public-key', id: randomBytes(16).toString('base64url') }],
    userVerification: 'preferred',
  };
}
