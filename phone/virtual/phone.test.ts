// The virtual phone is the phone core with a stand-in person plugged into its answer hook: it
// pairs through the core's pairing, runs the core's session (so it reconnects with jitter and keeps
// removed browsers until they are told), and answers by its policy. Real relay, real crypto; the
// extension's end is made of the protocol's own responder classes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { generateStaticKeyPair, type StaticKeyPair } from '../../shared/protocol/index.ts';
import { sampleMakeCredential } from '../../shared/testing/protocol-samples.ts';
import { startServers, testConfig, type Started } from '../../harness-server/testing/servers.ts';
import { Condition, showPairingOffer, TestExtension, type PairedPhone } from '../../test/support/extension-end.ts';
import { VirtualPhone, type VirtualPhoneOptions } from './phone.ts';

let servers: Started;
let dir: string;
const phones: VirtualPhone[] = [];
const extensions: TestExtension[] = [];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pairkey-virtual-'));
});
afterEach(async () => {
  for (const phone of phones.splice(0)) phone.close();
  for (const extension of extensions.splice(0)) extension.socket.close();
  await servers.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(options: VirtualPhoneOptions): VirtualPhone {
  const phone = VirtualPhone.open(options);
  phones.push(phone);
  return phone;
}

/** Pair `phone` with an extension of key `extensionKey`, confirmed on the phone. */
async function pair(phone: VirtualPhone, extensionKey: StaticKeyPair): Promise<PairedPhone> {
  const offer = await showPairingOffer(servers.mainUrl, extensionKey);
  const pending = await phone.pair(offer.link);
  offer.close();
  pending.confirm();
  const paired = offer.paired()!;
  expect(paired.confirmationCode).toBe(pending.confirmationCode);
  return paired;
}

async function joinAsExtension(extensionKey: StaticKeyPair, paired: PairedPhone): Promise<TestExtension> {
  const extension = await TestExtension.join(servers.mainUrl, extensionKey, paired, paired.phonePublicKey);
  extensions.push(extension);
  return extension;
}

it('answers through the core by its policy: announces PRF and largeBlob, approves a registration, records what it did', async () => {
  servers = await startServers(testConfig({ RELAY_IDLE_TIMEOUT_MS: '60000' }));
  const extensionKey = generateStaticKeyPair();
  const phone = open({ policy: { decision: 'approve', userVerified: false } });
  const paired = await pair(phone, extensionKey);
  await phone.goOnline();
  const extension = await joinAsExtension(extensionKey, paired);
  await extension.events.until(() => extension.received.length === 1);
  expect(extension.received[0]).toEqual({ type: 'hello', extensions: ['prf', 'largeBlob'] });

  extension.send(sampleMakeCredential('r1'));
  const reply = await extension.reply('r1');
  expect(reply).toMatchObject({ type: 'credential-created', id: 'r1' });
  expect(await phone.store.list()).toHaveLength(1);
  expect(await phone.waitForOutcomes(1)).toEqual([
    expect.objectContaining({ reply: 'credential-created', misbehaved: [], view: expect.objectContaining({ kind: 'registration', origin: 'https://example.com' }) }),
  ]);
});

it('reconnects after the relay drops it with the core’s backoff and jitter', async () => {
  // The relay closes idle sockets after 100 ms: the phone's session keeps coming back.
  servers = await startServers(testConfig({ RELAY_IDLE_TIMEOUT_MS: '100' }));
  const logged: string[] = [];
  const relogged = new Condition();
  const phone = open({
    log: (line) => {
      logged.push(line);
      relogged.check();
    },
  });
  await pair(phone, generateStaticKeyPair());
  await phone.goOnline();
  const waits = () => logged.map((line) => /reconnecting in (\d+) ms/.exec(line)?.[1]).filter((w) => w !== undefined).map(Number);
  await relogged.until(() => waits().length >= 4);
  // The relay takes it back each time, so each wait is the first step (100 ms) spread by ±20 %;
  // the copy this replaced waited exactly 100 ms every time.
  for (const wait of waits()) {
    expect(wait).toBeGreaterThanOrEqual(80);
    expect(wait).toBeLessThanOrEqual(120);
  }
  expect(waits().some((wait) => wait !== 100)).toBe(true);
});

it('keeps a browser removed while unreachable, answering nothing, and tells it at its next handshake', async () => {
  servers = await startServers(testConfig({ RELAY_IDLE_TIMEOUT_MS: '60000' }));
  const extensionKey = generateStaticKeyPair();
  const storePath = join(dir, 'phone.json');
  const phone = open({ storePath });
  const paired = await pair(phone, extensionKey);
  // The browser is not there: the removal cannot be delivered before the deadline.
  expect(await phone.remove(paired.pairedChannelId, Date.now())).toBe(false);
  phone.close();
  expect(phone.store.pairings()).toEqual([]);
  expect(phone.store.removedPairings().map((p) => p.pairedChannelId)).toEqual([paired.pairedChannelId]);

  // Served again later (a new process on the same store), it tells the browser as soon as it is there.
  const logged: string[] = [];
  const relogged = new Condition();
  const again = open({
    storePath,
    log: (line) => {
      logged.push(line);
      relogged.check();
    },
  });
  expect(again.store.removedPairings()).toHaveLength(1);
  await again.goOnline();
  const extension = await joinAsExtension(extensionKey, paired);
  await extension.events.until(() => extension.received.length === 1);
  expect(extension.received).toEqual([{ type: 'unpair' }]);
  await relogged.until(() => logged.some((line) => line.startsWith('told the browser it is no longer paired')));
  expect(again.store.removedPairings()).toEqual([]);
  expect(VirtualPhone.open({ storePath }).store.removedPairings()).toEqual([]);
  expect(again.outcomes).toEqual([]);
});

it('unpairAll tells a browser that is there at once, and forgets it', async () => {
  servers = await startServers(testConfig({ RELAY_IDLE_TIMEOUT_MS: '60000' }));
  const extensionKey = generateStaticKeyPair();
  const phone = open({});
  const paired = await pair(phone, extensionKey);
  await phone.goOnline();
  const extension = await joinAsExtension(extensionKey, paired);
  await extension.connected();
  await extension.events.until(() => extension.received.length === 1); // hello: the session is up
  expect(await phone.unpairAll(Date.now() + 30_000)).toBe(1);
  await extension.events.until(() => extension.received.length === 2);
  expect(extension.received.at(-1)).toEqual({ type: 'unpair' });
  expect(phone.store.pairings()).toEqual([]);
  expect(phone.store.removedPairings()).toEqual([]);
});

it('forgets a browser that sends unpair', async () => {
  servers = await startServers(testConfig({ RELAY_IDLE_TIMEOUT_MS: '60000' }));
  const extensionKey = generateStaticKeyPair();
  const logged: string[] = [];
  const relogged = new Condition();
  const phone = open({
    log: (line) => {
      logged.push(line);
      relogged.check();
    },
  });
  const paired = await pair(phone, extensionKey);
  await phone.goOnline();
  const extension = await joinAsExtension(extensionKey, paired);
  await extension.events.until(() => extension.received.length === 1);
  extension.send({ type: 'unpair' });
  await relogged.until(() => logged.some((line) => line.startsWith('unpaired by the browser')));
  expect(phone.store.pairings()).toEqual([]);
});
