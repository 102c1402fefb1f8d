// The WebCrypto RFC 8291 encryptor against an independent implementation (http_ece decrypts).
import ece from 'http_ece';
import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PADDED_BYTES, encryptPushMessage } from './encrypt.ts';
import { parseWakePayload } from './subscription.ts';

function subscriptionKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') };
}

describe('encryptPushMessage (RFC 8291)', () => {
  it('is decrypted by http_ece with the subscription private key and auth secret', async () => {
    const keys = subscriptionKeys();
    for (const text of ['', 'x', JSON.stringify({ type: 'pairkey-wake', kind: 'sign-in', site: 'github.com', request: 'r', expiresAt: 1 }), 'é'.repeat(1500)]) {
      const body = await encryptPushMessage(keys, new TextEncoder().encode(text));
      const plain = ece.decrypt(Buffer.from(body), { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: keys.auth });
      expect(plain.toString('utf8')).toBe(text);
    }
  });

  it('pads every wake-up to one length: the site name\'s length and the kind do not show', async () => {
    const keys = subscriptionKeys();
    const lengths = new Set<number>();
    for (const kind of ['sign-in', 'registration'] as const) {
      for (const site of ['a.io', 'github.com', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`]) {
        const text = JSON.stringify({ type: 'pairkey-wake', kind, site, request: crypto.randomUUID(), expiresAt: 1_800_000_000_000 });
        expect(parseWakePayload(text)).not.toBeNull();
        const body = await encryptPushMessage(keys, new TextEncoder().encode(text));
        lengths.add(body.byteLength);
        // RFC 8188 padding (0x02 then zeros) is what http_ece strips.
        expect(ece.decrypt(Buffer.from(body), { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: keys.auth }).toString('utf8')).toBe(text);
      }
    }
    expect([...lengths]).toEqual([86 + PADDED_BYTES + 16]);
  });

  it('uses a fresh key and salt each time, and another auth secret cannot read it', async () => {
    const keys = subscriptionKeys();
    const a = await encryptPushMessage(keys, new Uint8Array([1]));
    const b = await encryptPushMessage(keys, new Uint8Array([1]));
    expect(Buffer.from(a.subarray(0, 16)).equals(Buffer.from(b.subarray(0, 16)))).toBe(false);
    expect(Buffer.from(a.subarray(21, 86)).equals(Buffer.from(b.subarray(21, 86)))).toBe(false);
    expect(() => ece.decrypt(Buffer.from(a), { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: randomBytes(16) })).toThrow();
  });

  it('refuses malformed keys and messages longer than one record', async () => {
    const keys = subscriptionKeys();
    await expect(encryptPushMessage({ p256dh: keys.p256dh.slice(0, 40), auth: keys.auth }, new Uint8Array(1))).rejects.toThrow(/Malformed/);
    await expect(encryptPushMessage(keys, new Uint8Array(4080))).rejects.toThrow(/one record/);
  });

  it('wake payloads are schema-checked', () => {
    expect(parseWakePayload('{"type":"pairkey-wake","kind":"sign-in","site":"a.example","request":"r","expiresAt":5}')).not.toBeNull();
    expect(parseWakePayload('{"type":"pairkey-wake","kind":"sign-in","site":"a.example","request":"r","expiresAt":5,"x":1}')).toBeNull();
    expect(parseWakePayload('nope')).toBeNull();
  });

  it('a wake-up\'s site is a host name (punycode, IP literals), not a sentence', () => {
    const wake = (site: string) => parseWakePayload(JSON.stringify({ type: 'pairkey-wake', kind: 'sign-in', site, request: 'r', expiresAt: 5 }));
    for (const origin of ['https://github.com', 'https://bücher.de', 'http://localhost:3000', 'https://[::1]:8443', 'https://127.0.0.1', 'https://login.example.co.uk']) {
      expect(wake(new URL(origin).hostname), origin).not.toBeNull();
    }
    for (const site of ['your bank. Call +1 555 0100 now', 'GitHub.com', 'bücher.de', 'a..b', '-a.com', 'a/b', `${'a'.repeat(64)}.com`]) {
      expect(wake(site), site).toBeNull();
    }
  });
});
