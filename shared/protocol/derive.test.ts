import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromB64url, toB64url } from '../bytes.ts';
import {
  confirmationCodeFromHash,
  pairedChannelIdFromHash,
  pairingChannelId,
  pairingProof,
  pairingPrologue,
  pairingPsk,
  sessionPrologue,
} from './derive.ts';

// An independent HKDF (Node's OpenSSL) to check the construction the spec documents.
const nodeHkdf = (ikm: Uint8Array, info: string, length: number) =>
  new Uint8Array(hkdfSync('sha256', ikm, Buffer.from('pairkey/1'), Buffer.from(info), length));

const secret = Uint8Array.from({ length: 32 }, (_, i) => i);

describe('derivations', () => {
  it('match HKDF-SHA256(salt "pairkey/1", info "pairkey/1 <purpose>") as docs/protocol.md states', () => {
    expect(pairingChannelId(secret)).toBe(toB64url(nodeHkdf(secret, 'pairkey/1 pairing channel id', 32)));
    expect(pairingPsk(secret)).toEqual(nodeHkdf(secret, 'pairkey/1 pairing psk', 32));
    expect(pairingProof(secret)).toEqual(nodeHkdf(secret, 'pairkey/1 pairing proof', 32));
    const h = new Uint8Array(32).fill(0xab);
    expect(pairedChannelIdFromHash(h)).toBe(toB64url(nodeHkdf(h, 'pairkey/1 paired channel id', 32)));
    const code = Buffer.from(nodeHkdf(h, 'pairkey/1 confirmation code', 8)).readBigUInt64BE(0) % 1_000_000n;
    expect(confirmationCodeFromHash(h)).toBe(code.toString().padStart(6, '0'));
  });

  it('keeps every derived value apart (domain separation)', () => {
    const values = [fromB64url(pairingChannelId(secret)), pairingPsk(secret), pairingProof(secret)].map(toB64url);
    expect(new Set([...values, toB64url(secret)]).size).toBe(4);
  });

  it('gives six-digit codes, zero-padded, that change with the hash', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const code = confirmationCodeFromHash(new Uint8Array(32).fill(i));
      expect(code).toMatch(/^\d{6}$/);
      codes.add(code);
    }
    expect(codes.size).toBeGreaterThan(195);
  });

  it('refuses secrets shorter than 16 bytes', () => {
    expect(() => pairingChannelId(new Uint8Array(15))).toThrow(expect.objectContaining({ code: 'malformed' }));
    expect(() => pairingPsk(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  it('binds version, purpose and channel into the prologues', () => {
    expect(new TextDecoder().decode(pairingPrologue('abc'))).toBe('pairkey/1 pairing abc');
    expect(new TextDecoder().decode(sessionPrologue('abc'))).toBe('pairkey/1 session abc');
  });
});
