// Issue 11.1 for the virtual phone: `pairkey-phone pair` never keeps a pairing silently. Without
// `--confirm` it asks on stdin; "yes" keeps it, anything else rejects it and tells the browser.
// The real CLI process against the real relay, with the extension's responder from shared/protocol.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServers, testConfig, type Started } from '../../harness-server/testing/servers.ts';
import {
  createPairingOffer,
  decodeFrame,
  encodePairingLink,
  generateStaticKeyPair,
  PairingResponder,
  ReconnectResponder,
  type ChannelMessage,
  type StaticKeyPair,
} from '../../shared/protocol/index.ts';
import { pairedRelayTarget, pairingRelayTarget, RelaySocket, type WebSocketFactory, type WebSocketLike } from '../../shared/relay-socket.ts';
import { PhoneProcess } from '../../test/support/phone-cli.ts';

const nodeSocket: WebSocketFactory = (url) => new WebSocket(url) as unknown as WebSocketLike;

let servers: Started;
let dir: string;
beforeEach(async () => {
  servers = await startServers(testConfig({ RELAY_IDLE_TIMEOUT_MS: '60000' }));
  dir = mkdtempSync(join(tmpdir(), 'pairkey-cli-'));
});
afterEach(async () => {
  await servers.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The extension's end: show an offer, answer the phone's pairing handshake. */
async function showOffer(key: StaticKeyPair) {
  const offer = createPairingOffer(servers.mainUrl, key.publicKey, 60_000);
  const responder = new PairingResponder(key, offer.secret);
  let paired: { channelId: string; phoneKey: Uint8Array } | null = null;
  const socket = await RelaySocket.connect(nodeSocket, pairingRelayTarget(servers.mainUrl, offer.secret, 'extension'), {
    onFrame: (frame, relay) => {
      const { reply, result } = responder.respond(frame);
      relay.send(reply);
      paired = { channelId: result.pairedChannelId, phoneKey: result.peerPublicKey };
    },
  });
  return { link: encodePairingLink('http://localhost:8788/', offer), socket, paired: () => paired };
}

const storedPairings = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { pairings: unknown[] }).pairings;

it('asks on stdin and keeps nothing before "yes"; "no" rejects the pairing and tells the browser', async () => {
  const extensionKey = generateStaticKeyPair();
  const offer = await showOffer(extensionKey);
  const store = join(dir, 'phone.json');
  const phone = PhoneProcess.start(['pair', offer.link, '--store', store]);
  try {
    await phone.waitFor(/paired (\d{6})/);
    // The handshake ran, but the phone waits for the person: nothing is stored yet.
    expect(storedPairings(store)).toEqual([]);
    const { channelId, phoneKey } = offer.paired()!;
    offer.socket.close();
    // The extension waits on the paired channel, where a rejecting phone sends `unpair`.
    const heard: ChannelMessage[] = [];
    let unpairHeard: () => void = () => undefined;
    const unpaired = new Promise<void>((resolve) => (unpairHeard = resolve));
    let channel: ReturnType<ReconnectResponder['respond']>['result']['channel'] | null = null;
    const link = await RelaySocket.connect(nodeSocket, pairedRelayTarget(servers.mainUrl, { side: 'extension', staticKey: extensionKey, peerPublicKey: phoneKey, pairedChannelId: channelId }), {
      onFrame: (frame, relay) => {
        if (decodeFrame(frame).kind === 'handshake-init') {
          const answered = new ReconnectResponder(extensionKey, phoneKey, channelId).respond(frame);
          relay.send(answered.reply);
          channel = answered.result.channel;
        } else {
          heard.push(channel!.open(frame));
          if (heard.at(-1)?.type === 'unpair') unpairHeard();
        }
      },
    });
    phone.child.stdin.write('no\n');
    await phone.waitFor(/^rejected$/m);
    await unpaired;
    expect(heard.map((m) => m.type)).toEqual(['unpair']);
    expect(storedPairings(store)).toEqual([]);
    link.close();
  } finally {
    await phone.stop();
  }
}, 90_000);

it('keeps the pairing once told "yes" (or given --confirm), then goes online', async () => {
  const offer = await showOffer(generateStaticKeyPair());
  const store = join(dir, 'phone.json');
  const phone = PhoneProcess.start(['pair', offer.link, '--store', store]);
  try {
    await phone.waitFor(/paired (\d{6})/);
    phone.child.stdin.write('yes\n');
    await phone.waitFor(/^confirmed$/m);
    await phone.waitFor(/^online$/m);
    expect(storedPairings(store)).toEqual([expect.objectContaining({ pairedChannelId: offer.paired()!.channelId, confirmedAt: expect.any(Number) })]);
  } finally {
    offer.socket.close();
    await phone.stop();
  }
}, 90_000);

it('`forget` keeps a browser that is not there as removed, and `serve` tells it at its next handshake', async () => {
  const extensionKey = generateStaticKeyPair();
  const offer = await showOffer(extensionKey);
  const store = join(dir, 'phone.json');
  const paired = PhoneProcess.start(['pair', offer.link, '--confirm', '--store', store]);
  await paired.waitFor(/^online$/m);
  await paired.stop();
  offer.socket.close();
  const { channelId, phoneKey } = offer.paired()!;

  // No browser on the channel: nobody to tell before --wait runs out.
  const forget = PhoneProcess.start(['forget', '--store', store, '--wait', '0']);
  await forget.waitFor(/^forgot 0$/m);
  expect(await forget.exitCode()).toBe(0);
  expect(storedPairings(store)).toEqual([expect.objectContaining({ pairedChannelId: channelId, removed: true })]);

  const serve = PhoneProcess.start(['serve', '--store', store]);
  try {
    await serve.waitFor(/^online$/m);
    let told: () => void = () => undefined;
    const unpaired = new Promise<void>((resolve) => (told = resolve));
    let channel: ReturnType<ReconnectResponder['respond']>['result']['channel'] | null = null;
    const link = await RelaySocket.connect(nodeSocket, pairedRelayTarget(servers.mainUrl, { side: 'extension', staticKey: extensionKey, peerPublicKey: phoneKey, pairedChannelId: channelId }), {
      onFrame: (frame, relay) => {
        if (decodeFrame(frame).kind === 'handshake-init') {
          const answered = new ReconnectResponder(extensionKey, phoneKey, channelId).respond(frame);
          relay.send(answered.reply);
          channel = answered.result.channel;
        } else if (channel!.open(frame).type === 'unpair') told();
      },
    });
    await unpaired;
    await serve.waitForLog(/^told the browser it is no longer paired/);
    expect(storedPairings(store)).toEqual([]);
    link.close();
  } finally {
    await serve.stop();
  }
}, 120_000);
