// The real path — extension in Chromium, relay, pairkey-phone CLI — through a relay that records
// every frame it forwards and, in some tests, attacks them. Proves that the relay never receives
// plaintext, and that the real extension and phone detect what a hostile relay does.
import { fromB64url } from '../../shared/bytes.ts';
import { expect, phoneConnections, test } from './support/browser-fixtures.ts';
import type { CapturedFrame } from './support/mitm-relay.ts';
import { findLeaks } from './support/plaintext-scan.ts';

const isTransport = (f: CapturedFrame) => f.binary && f.data[0] === 0x03;

test('the relay sees only ciphertext during pairing, registration and sign-in', async ({ mitm, context, pairPhone, site }) => {
  await pairPhone(['--name', 'Capture phone']);
  const page = await context.newPage();
  await page.goto(site.origin);

  const userName = `capture-user-${Date.now()}`;
  const registration = await site.registrationOptions(userName);
  const created = await site.register(page, registration);
  if (!created.ok) throw new Error(`registration failed: ${created.name}: ${created.message}`);
  await site.verifyRegistration(created.credential, registration);

  const authentication = await site.authenticationOptions();
  const asserted = await site.signIn(page, authentication);
  if (!asserted.ok) throw new Error(`sign-in failed: ${asserted.name}: ${asserted.message}`);
  await site.verifyAuthentication(asserted.credential, authentication);

  // The capture holds the whole story: pairing, a session handshake, two requests, two replies.
  const binary = mitm.frames.filter((f) => f.binary);
  expect(binary.filter((f) => f.data[0] === 0x01).length).toBeGreaterThanOrEqual(2);
  expect(binary.filter(isTransport).length).toBeGreaterThanOrEqual(4);

  const clientDataCreate = fromB64url(created.credential.response.clientDataJSON);
  const clientDataGet = fromB64url(asserted.credential.response.clientDataJSON);
  const needles: (string | Uint8Array)[] = [
    userName,
    `${userName} (display)`,
    site.origin,
    site.origin.replace('http://', ''),
    site.rpId,
    'Pairkey security suite',
    'Capture phone',
    'webauthn.create',
    'webauthn.get',
    fromB64url(registration.challenge),
    fromB64url(authentication.challenge),
    fromB64url(registration.user.id),
    fromB64url(created.credential.rawId),
    clientDataCreate,
    clientDataCreate.subarray(0, 24),
    clientDataGet,
    clientDataGet.subarray(clientDataGet.length - 24),
    fromB64url(created.credential.response.attestationObject),
    fromB64url(asserted.credential.response.authenticatorData),
    fromB64url(asserted.credential.response.signature),
  ];
  expect(findLeaks(mitm.frames.map((f) => f.data), needles)).toEqual([]);

  // Text frames are the relay's own control messages, and each socket's first message, its seat's
  // join proof (docs/protocol.md §5.1): never anything else from either side.
  for (const frame of mitm.frames.filter((f) => !f.binary)) {
    const message = JSON.parse(frame.data.toString('utf8')) as Record<string, unknown>;
    if (frame.direction === 'to-relay') {
      expect(Object.keys(message).sort()).toEqual(['peer', 'seat', 'token', 'type']);
      expect(message.type).toBe('join');
      expect(mitm.frames.find((f) => f.connection === frame.connection && f.direction === 'to-relay')).toBe(frame);
    } else {
      expect(message).toMatchObject({ type: expect.stringMatching(/^(peers|dropped)$/) });
    }
  }
});

test('a reply tampered with by the relay fails the ceremony cleanly, and the next one works', async ({ mitm, context, pairPhone, site }) => {
  await pairPhone();
  const page = await context.newPage();
  await page.goto(site.origin);

  let tampered = false;
  mitm.interceptor = (frame) => {
    if (tampered || !isTransport(frame) || frame.direction !== 'to-relay' || !phoneConnections(mitm.frames).has(frame.connection)) return [frame.data];
    tampered = true;
    const copy = Buffer.from(frame.data);
    copy[copy.length - 1]! ^= 0x01;
    return [copy];
  };
  const failed = await site.register(page, await site.registrationOptions('tampered'));
  expect(tampered).toBe(true);
  expect(failed).toMatchObject({ ok: false, name: 'NotAllowedError' });

  const options = await site.registrationOptions('after-tampering');
  const created = await site.register(page, options);
  if (!created.ok) throw new Error(`the ceremony after the attack failed: ${created.name}: ${created.message}`);
  await site.verifyRegistration(created.credential, options);
});

test('a request the relay duplicates or replays is answered at most once', async ({ mitm, context, pairPhone, site }) => {
  const { phone } = await pairPhone();
  const page = await context.newPage();
  await page.goto(site.origin);

  // Registration: the relay remembers the request frame.
  const options = await site.registrationOptions('replayed');
  const created = await site.register(page, options);
  if (!created.ok) throw new Error(`registration failed: ${created.name}: ${created.message}`);
  await site.verifyRegistration(created.credential, options);
  const phones = phoneConnections(mitm.frames);
  const request = mitm.frames.find((f) => isTransport(f) && f.direction === 'to-client' && phones.has(f.connection))!;

  // Replayed to the phone later: refused, and the phone does not register a second passkey.
  const replayedAt = mitm.nextSeq;
  request.connection.send('to-client', request.data);
  await phone.waitForLog(/session error/);
  expect(phone.stderrLines.filter((l) => /request registration/.test(l))).toHaveLength(1);
  // The phone hung up on the bad frame; it comes back by itself with a fresh handshake.
  await mitm.nextFrame((f) => f.direction === 'to-relay' && f.binary && f.data[0] === 0x02, replayedAt, 'the new session');

  // Sign-in with the request frame duplicated: the phone considers it at most once.
  let duplicated = false;
  mitm.interceptor = (frame) => {
    if (duplicated || !isTransport(frame) || frame.direction !== 'to-client' || !phoneConnections(mitm.frames).has(frame.connection)) return [frame.data];
    duplicated = true;
    return [frame.data, frame.data];
  };
  const outcome = await site.signIn(page, await site.authenticationOptions());
  expect(duplicated).toBe(true);
  expect(phone.stderrLines.filter((l) => /request sign-in/.test(l)).length).toBeLessThanOrEqual(1);
  expect(phone.stderrLines.filter((l) => /session error/.test(l)).length).toBeGreaterThanOrEqual(2);
  // Either the phone answered before the copy arrived, or it hung up first; never a hang.
  if (!outcome.ok) expect(outcome.name).toBe('NotAllowedError');
});
