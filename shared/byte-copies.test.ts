// Copies that are meant to be copies: found while fixing the fuzzer (issue 21), whose byte edits
// rewrote a Node Buffer template through `slice()`. On a Buffer, `slice()` is a view of the same
// memory, so modules that "copy so later changes by the caller don't leak in" did not, when the
// caller (Node: the virtual phone, the harness) handed them a Buffer.
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { mapBytes } from './authenticator/cbor.ts';
import { nobleP256KeyFromPrivate } from './authenticator/keys.ts';
import { copyBytes } from './bytes.ts';
import { validateRequestOptions } from './webauthn/options.ts';

describe('byte copies from a Node Buffer', () => {
  it('copyBytes gives memory of its own', () => {
    const buffer = Buffer.from([1, 2, 3]);
    const copy = copyBytes(buffer);
    buffer.fill(0);
    expect([...copy]).toEqual([1, 2, 3]);
  });

  it('a private key stays usable after the caller wipes its Buffer', async () => {
    const secret = p256.utils.randomSecretKey();
    const buffer = Buffer.from(secret);
    const key = nobleP256KeyFromPrivate(buffer);
    buffer.fill(0);
    const data = new Uint8Array([9, 9, 9]);
    const signature = await key.sign(data);
    expect(p256.verify(signature, data, p256.getPublicKey(secret, false), { prehash: true, format: 'der' })).toBe(true);
  });

  it('validated options and CBOR members do not change when the caller reuses its Buffer', () => {
    const challenge = Buffer.from([5, 6, 7, 8]);
    const options = validateRequestOptions({ challenge });
    const member = Buffer.from([1, 2]);
    const fromMap = mapBytes(new Map([[1, member]]), 1, 'test');
    challenge.fill(0);
    member.fill(0);
    expect([...options.challenge]).toEqual([5, 6, 7, 8]);
    expect([...fromMap]).toEqual([1, 2]);
  });
});
