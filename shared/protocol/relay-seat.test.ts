import { createHash, hkdfSync } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromB64url, toB64url } from '../bytes.ts';
import { generateStaticKeyPair } from './keys.ts';
import { joinProvesSeat, pairedSeat, pairingSeat, RelayJoinSchema, type RelaySeat } from './relay-seat.ts';

const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
const nodeHkdf = (ikm: Uint8Array, info: string) => new Uint8Array(hkdfSync('sha256', ikm, Buffer.from('pairkey/1'), Buffer.from(info), 32));
const sha = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};

describe('relay seats', () => {
  it('follow docs/protocol.md §5.1: tokens by HKDF, verifier and channel name by SHA-256', () => {
    const tokens = { extension: nodeHkdf(secret, 'pairkey/1 pairing seat extension'), phone: nodeHkdf(secret, 'pairkey/1 pairing seat phone') };
    const verifier = (token: Uint8Array) => sha('pairkey/1 seat verifier ', token);
    const channel = toB64url(sha('pairkey/1 relay channel ', verifier(tokens.extension), verifier(tokens.phone)));
    expect(pairingSeat(secret, 'extension')).toEqual({
      channel,
      join: { type: 'join', seat: 'extension', token: toB64url(tokens.extension), peer: toB64url(verifier(tokens.phone)) },
    });
    expect(pairingSeat(secret, 'phone').join).toEqual({ type: 'join', seat: 'phone', token: toB64url(tokens.phone), peer: toB64url(verifier(tokens.extension)) });
  });

  it('derive a paired channel from the static-static DH and the pairing id, the same on both ends', () => {
    const extension = generateStaticKeyPair();
    const phone = generateStaticKeyPair();
    const id = 'paired-channel-id-'.padEnd(43, 'x');
    const ext = pairedSeat({ side: 'extension', staticKey: extension, peerPublicKey: phone.publicKey, pairedChannelId: id });
    const ph = pairedSeat({ side: 'phone', staticKey: phone, peerPublicKey: extension.publicKey, pairedChannelId: id });
    expect(ext.channel).toBe(ph.channel);
    expect(ext.channel).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ext.channel).not.toBe(id);
    const ikm = Buffer.concat([x25519.getSharedSecret(extension.privateKey, phone.publicKey), Buffer.from(id)]);
    expect(ext.join.token).toBe(toB64url(nodeHkdf(ikm, 'pairkey/1 paired seat extension')));
    expect(ph.join.token).toBe(toB64url(nodeHkdf(ikm, 'pairkey/1 paired seat phone')));

    // Another pairing id (a re-pairing of the same keys) or another key gives another channel.
    expect(pairedSeat({ side: 'extension', staticKey: extension, peerPublicKey: phone.publicKey, pairedChannelId: `${id}y` }).channel).not.toBe(ext.channel);
    expect(pairedSeat({ side: 'extension', staticKey: extension, peerPublicKey: generateStaticKeyPair().publicKey, pairedChannelId: id }).channel).not.toBe(ext.channel);
  });

  it('let the relay check a join against the channel name, and nothing else passes', () => {
    const ext = pairingSeat(secret, 'extension');
    const phone = pairingSeat(secret, 'phone');
    const other: RelaySeat = pairingSeat(new Uint8Array(32).fill(9), 'extension');
    for (const seat of [ext, phone]) {
      expect(Value.Check(RelayJoinSchema, seat.join)).toBe(true);
      expect(joinProvesSeat(seat.channel, seat.join)).toBe(true);
    }
    expect(joinProvesSeat(ext.channel, other.join)).toBe(false);
    // A token presented for the other seat, a verifier in place of a token, a flipped bit.
    expect(joinProvesSeat(ext.channel, { ...ext.join, seat: 'phone' })).toBe(false);
    expect(joinProvesSeat(ext.channel, { ...ext.join, token: phone.join.peer })).toBe(false);
    const flipped = fromB64url(ext.join.token);
    flipped[0]! ^= 1;
    expect(joinProvesSeat(ext.channel, { ...ext.join, token: toB64url(flipped) })).toBe(false);
  });

  it('the schema admits only strings that decode, and the check never throws on what it admits', () => {
    const b64char = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
    const text43 = fc.array(b64char, { minLength: 43, maxLength: 43 }).map((chars) => chars.join(''));
    const join = fc.record({ type: fc.constant('join'), seat: fc.constantFrom('extension', 'phone'), token: text43, peer: text43 });
    fc.assert(
      fc.property(join, fc.string(), (candidate, channel) => {
        if (!Value.Check(RelayJoinSchema, candidate)) return;
        expect(fromB64url(candidate.token)).toHaveLength(32);
        expect(fromB64url(candidate.peer)).toHaveLength(32);
        expect(typeof joinProvesSeat(channel, candidate)).toBe('boolean');
      }),
      { numRuns: 2000, seed: 20261207 },
    );
  });

  it('never put a token in the channel name, and the name never reveals the secret', () => {
    const ext = pairingSeat(secret, 'extension');
    const phone = pairingSeat(secret, 'phone');
    expect(ext.channel).not.toContain(ext.join.token);
    expect(ext.channel).not.toContain(phone.join.token);
    expect(ext.channel).not.toContain(toB64url(secret));
  });
});
