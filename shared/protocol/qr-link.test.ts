import { describe, expect, it } from 'vitest';
import { concatBytes, fromB64url, toB64url, utf8Encode } from '../bytes.ts';
import { generateStaticKeyPair } from './keys.ts';
import { createPairingOffer, encodePairingLink, parsePairingLink, type PairingOffer } from './qr-link.ts';

const NOW = 1_700_000_000_000;
const PHONE = 'https://phone.pairkey.example/app';
const code = (code: string) => expect.objectContaining({ name: 'ProtocolError', code });

function offer(overrides: Partial<PairingOffer> = {}): PairingOffer {
  return { ...createPairingOffer('wss://relay.example/ws', generateStaticKeyPair().publicKey, 120_000, NOW), ...overrides };
}

/** Build a link body by hand, to test what encodePairingLink itself would refuse to produce. */
function rawLink(parts: { key?: Uint8Array; secret?: Uint8Array; expiresAt?: bigint; relay?: string; prefix?: string }): string {
  const expiry = new Uint8Array(8);
  new DataView(expiry.buffer).setBigUint64(0, parts.expiresAt ?? BigInt(NOW + 60_000), false);
  const secret = parts.secret ?? new Uint8Array(32).fill(1);
  const body = concatBytes(parts.key ?? new Uint8Array(32).fill(2), Uint8Array.of(secret.length), secret, expiry, utf8Encode(parts.relay ?? 'wss://r.example'));
  return `${PHONE}#${parts.prefix ?? 'pk1'}.${toB64url(body)}`;
}

describe('pairing offers and links', () => {
  it('creates offers with a fresh 32-byte secret and the requested expiry', () => {
    const a = offer();
    const b = offer();
    expect(a.version).toBe(1);
    expect(a.secret).toHaveLength(32);
    expect(toB64url(a.secret)).not.toBe(toB64url(b.secret));
    expect(a.expiresAt).toBe(NOW + 120_000);
  });

  it('round-trips through the link, with everything secret in the fragment', () => {
    const o = offer();
    const link = encodePairingLink(PHONE, o);
    expect(link.startsWith(`${PHONE}#pk1.`)).toBe(true);
    expect(link.split('#')[0]).toBe(PHONE);
    expect(parsePairingLink(link, NOW)).toEqual(o);
    // The fragment alone, as the phone page sees it in location.hash, works too.
    expect(parsePairingLink(link.slice(link.indexOf('#')), NOW)).toEqual(o);
    expect(link.length).toBeLessThan(200); // comfortably QR-sized
  });

  it('refuses an expired link, at and after expiry', () => {
    const o = offer();
    const link = encodePairingLink(PHONE, o);
    expect(parsePairingLink(link, o.expiresAt - 1)).toEqual(o);
    expect(() => parsePairingLink(link, o.expiresAt)).toThrow(code('expired'));
    expect(() => parsePairingLink(link, o.expiresAt + 1)).toThrow(/expired/);
  });

  it('refuses other versions with "version"', () => {
    const link = encodePairingLink(PHONE, offer()).replace('#pk1.', '#pk2.');
    expect(() => parsePairingLink(link, NOW)).toThrow(code('version'));
    expect(() => encodePairingLink(PHONE, { ...offer(), version: 2 as 1 })).toThrow(code('version'));
  });

  it('refuses garbage with "malformed"', () => {
    for (const garbage of ['', 'hello', `${PHONE}#`, `${PHONE}#pk1.`, `${PHONE}#pk1.!!!!`, `${PHONE}#xx1.AAAA`, `${PHONE}#pk1.AAAA`]) {
      expect(() => parsePairingLink(garbage, NOW), garbage).toThrow(code('malformed'));
    }
    const link = encodePairingLink(PHONE, offer());
    const body = fromB64url(link.slice(link.indexOf('#pk1.') + 5));
    for (const length of [10, 32, 33, 50, 65, 70]) {
      expect(() => parsePairingLink(`#pk1.${toB64url(body.slice(0, length))}`, NOW), `${length} bytes`).toThrow(/truncated/);
    }
  });

  it('refuses short and over-long secrets', () => {
    expect(() => parsePairingLink(rawLink({ secret: new Uint8Array(15) }), NOW)).toThrow(code('malformed'));
    expect(() => parsePairingLink(rawLink({ secret: new Uint8Array(65) }), NOW)).toThrow(code('malformed'));
    expect(parsePairingLink(rawLink({ secret: new Uint8Array(16).fill(3) }), NOW).secret).toHaveLength(16);
    expect(() => encodePairingLink(PHONE, offer({ secret: new Uint8Array(8) }))).toThrow(code('malformed'));
  });

  it('accepts ws, wss, http and https relays and refuses other schemes', () => {
    for (const relay of ['ws://127.0.0.1:8787', 'wss://relay.example/x', 'http://localhost:8787', 'https://relay.example']) {
      expect(parsePairingLink(rawLink({ relay }), NOW).relayUrl).toBe(relay);
    }
    for (const relay of ['javascript:alert(1)', 'file:///etc/passwd', 'ftp://relay.example', 'not a url', '']) {
      expect(() => parsePairingLink(rawLink({ relay }), NOW), relay).toThrow(code('malformed'));
    }
    expect(() => createPairingOffer('ftp://relay.example', generateStaticKeyPair().publicKey, 1000, NOW)).toThrow(code('malformed'));
  });

  it('refuses impossible expiry times and bad lifetimes', () => {
    expect(() => parsePairingLink(rawLink({ expiresAt: 2n ** 63n }), NOW)).toThrow(code('malformed'));
    expect(() => createPairingOffer('wss://r.example', generateStaticKeyPair().publicKey, 0, NOW)).toThrow(code('malformed'));
    expect(() => createPairingOffer('wss://r.example', generateStaticKeyPair().publicKey, Number.NaN, NOW)).toThrow(code('malformed'));
  });

  it('refuses keys of the wrong size and phone URLs that already have a fragment', () => {
    expect(() => createPairingOffer('wss://r.example', new Uint8Array(31), 1000, NOW)).toThrow(code('malformed'));
    expect(() => encodePairingLink(`${PHONE}#x`, offer())).toThrow(code('malformed'));
    const link = encodePairingLink(PHONE, offer());
    const body = fromB64url(link.slice(link.indexOf('#pk1.') + 5));
    expect(body).toHaveLength(32 + 1 + 32 + 8 + 'wss://relay.example/ws'.length);
  });
});
