// The extension's link with one paired phone, against the real relay. The phone end is the
// protocol's own initiator on a relay socket, driven step by step, so the races a restart or a
// redial makes can be laid out in order.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { toB64url } from '../../shared/bytes.ts';
import { generateStaticKeyPair, ReconnectInitiator, type SecureChannel } from '../../shared/protocol/index.ts';
import { pairedRelayTarget, RelaySocket } from '../../shared/relay-socket.ts';
import { startServers, testConfig, type Started } from '../../harness-server/testing/servers.ts';
import { Condition, nodeSocket } from '../../test/support/extension-end.ts';
import { PhoneLink } from './phone-link.ts';

let servers: Started;
beforeEach(async () => {
  servers = await startServers(testConfig({ RELAY_IDLE_TIMEOUT_MS: '60000' }));
});
afterEach(async () => {
  await servers.close();
});

it('a frame sealed for the socket it replaced (on its way when it redialled) does not end the new one', async () => {
  const relayUrl = servers.mainUrl;
  const phoneKey = generateStaticKeyPair();
  const extensionKey = generateStaticKeyPair();
  const pairedChannelId = toB64url(crypto.getRandomValues(new Uint8Array(16)));
  const events = new Condition();
  const hellos: string[][] = [];
  const link = new PhoneLink(
    pairedChannelId,
    phoneKey.publicKey,
    relayUrl,
    extensionKey,
    false,
    {
      onStatus: () => events.check(),
      onHello: (extensions) => {
        hellos.push(extensions);
        events.check();
      },
      onUnpaired: () => undefined,
    },
    { initialMs: 50, maxMs: 200 },
    nodeSocket,
  );

  // The phone: a handshake at every `peers 2`; before its second one it still sends what it had
  // sealed for the extension's previous socket, as a phone that has not yet read the news does.
  const peers: number[] = [];
  const channels: SecureChannel[] = [];
  let initiator: ReconnectInitiator | null = null;
  const phone = await RelaySocket.connect(nodeSocket, pairedRelayTarget(relayUrl, { side: 'phone', staticKey: phoneKey, peerPublicKey: extensionKey.publicKey, pairedChannelId }), {
    onPeers: (count, socket) => {
      peers.push(count);
      if (count === 2) {
        const previous = channels.at(-1);
        if (previous) socket.send(previous.seal({ type: 'hello', extensions: ['stale'] }));
        initiator = new ReconnectInitiator(phoneKey, extensionKey.publicKey, pairedChannelId);
        socket.send(initiator.start());
      }
      events.check();
    },
    onFrame: (frame, socket) => {
      const channel = initiator!.finish(frame).channel;
      channels.push(channel);
      socket.send(channel.seal({ type: 'hello', extensions: [`session ${channels.length}`] }));
      events.check();
    },
  });
  link.want();
  await events.until(() => link.status === 'online' && hellos.length === 1);

  // The extension lets the link go and takes it again (its worker was idle, a page asked): a new socket.
  link.release();
  link.want();
  await events.until(() => hellos.length === 2);
  expect(link.status).toBe('online');
  // The stale frame was dropped, not taken for an attack: the new socket stayed (no further `peers`).
  expect(hellos).toEqual([['session 1'], ['session 2']]);
  expect(peers).toEqual([1, 2, 1, 2]);
  link.release();
  phone.close();
});
