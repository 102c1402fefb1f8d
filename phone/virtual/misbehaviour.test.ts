// Each misbehaviour mode, through the virtual phone's real answer path (authenticator core, store,
// keys): the reply is decoded and compared with an honest one, field by field, and its signature
// checked against the credential's public key, so exactly one thing is wrong.
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromB64url, toB64url, utf8Encode } from '../../shared/bytes.ts';
import { cborDecode, coseToRawP256, parseAttestationObject, parseAuthenticatorData, rpIdHash } from '../../shared/authenticator/index.ts';
import { buildClientDataJSON } from '../../shared/webauthn/client-data.ts';
import type { PhoneReply, PhoneRequest } from '../../shared/protocol/index.ts';
import { MISBEHAVIOUR_MODES, MisbehaviourSwitch } from './misbehaviour.ts';
import { VirtualPhone } from './phone.ts';

const RP = 'localhost';
const ORIGIN = 'http://localhost:8787';
let serial = 0;

function clientData(type: 'webauthn.create' | 'webauthn.get'): string {
  return toB64url(buildClientDataJSON({ type, challenge: utf8Encode(`challenge-${++serial}`), origin: ORIGIN, crossOrigin: false }));
}

function registration(algs: number[] = [-8, -7, -257]): Extract<PhoneRequest, { type: 'make-credential' }> {
  return {
    type: 'make-credential',
    id: `reg-${++serial}`,
    timeout: 60_000,
    clientDataJSON: clientData('webauthn.create'),
    rp: { id: RP, name: 'Test RP' },
    user: { id: toB64url(utf8Encode('user-1')), name: 'alice', displayName: 'Alice' },
    pubKeyCredParams: algs.map((alg) => ({ type: 'public-key' as const, alg })),
    excludeCredentials: [],
    residentKey: 'required',
    userVerification: 'required',
    attestation: 'none',
    extensions: {},
  };
}

function signIn(): Extract<PhoneRequest, { type: 'get-assertion' }> {
  return { type: 'get-assertion', id: `get-${++serial}`, timeout: 60_000, clientDataJSON: clientData('webauthn.get'), rpId: RP, allowCredentials: [], userVerification: 'required' };
}

/** The reply the phone sends for an approved request. */
async function answer(phone: VirtualPhone, request: PhoneRequest, userVerified: boolean): Promise<PhoneReply> {
  return (await phone.answer(request, userVerified)).reply;
}

type Created = Extract<PhoneReply, { type: 'credential-created' }>;
type Assertion = Extract<PhoneReply, { type: 'assertion' }>;

async function registered(phone: VirtualPhone): Promise<{ created: Created; publicKey: Uint8Array }> {
  const created = (await answer(phone, registration([-7]), true)) as Created;
  expect(created.type).toBe('credential-created');
  const parsed = parseAuthenticatorData(fromB64url(created.authenticatorData));
  return { created, publicKey: coseToRawP256(parsed.attestedCredentialData!.credentialPublicKey) };
}

/** True when the assertion's signature is the credential key's, over authData || SHA-256(clientDataJSON). */
function signedOver(reply: Assertion, request: PhoneRequest, publicKey: Uint8Array): boolean {
  const message = concatBytes(fromB64url(reply.authenticatorData), sha256(fromB64url(request.clientDataJSON)));
  return p256.verify(fromB64url(reply.signature), message, publicKey, { prehash: true, format: 'der' });
}

/** Signs in honestly once (so the counter is 1), then answers `request` with `mode` armed. */
async function misbehavedSignIn(mode: (typeof MISBEHAVIOUR_MODES)[number]) {
  const phone = VirtualPhone.open();
  const { publicKey } = await registered(phone);
  const first = signIn();
  const honest = (await answer(phone, first, true)) as Assertion;
  phone.misbehaviour.set(mode);
  const request = signIn();
  const reply = (await answer(phone, request, true)) as Assertion;
  expect(reply.type).toBe('assertion');
  return { phone, publicKey, first, honest, request, reply, before: parseAuthenticatorData(fromB64url(honest.authenticatorData)), after: parseAuthenticatorData(fromB64url(reply.authenticatorData)) };
}

describe('misbehaviour modes', () => {
  it('counter-rollback: the count goes below the last one sent; everything else is honest and signed', async () => {
    const { before, after, reply, request, publicKey } = await misbehavedSignIn('counter-rollback');
    expect(before.signCount).toBe(1);
    expect(after.signCount).toBe(0);
    expect({ ...after, signCount: 1 }).toEqual(before);
    expect(signedOver(reply, request, publicKey)).toBe(true);
  });

  it('counter-rollback on a never-used credential has nothing to roll back: the phone says so', async () => {
    const phone = VirtualPhone.open();
    await registered(phone);
    phone.misbehaviour.set('counter-rollback');
    expect(await answer(phone, signIn(), true)).toMatchObject({ type: 'error', name: 'UnknownError', message: expect.stringMatching(/counter-rollback/) });
  });

  it('wrong-rp-id-hash: only rpIdHash differs, on a sign-in and on a registration', async () => {
    const { before, after, reply, request, publicKey } = await misbehavedSignIn('wrong-rp-id-hash');
    expect(before.rpIdHash).toEqual(rpIdHash(RP));
    expect(after.rpIdHash).not.toEqual(rpIdHash(RP));
    expect({ ...after, rpIdHash: before.rpIdHash, signCount: before.signCount }).toEqual(before);
    expect(signedOver(reply, request, publicKey)).toBe(true);

    const phone = VirtualPhone.open();
    phone.misbehaviour.set('wrong-rp-id-hash');
    const created = (await answer(phone, registration([-7]), true)) as Created;
    const authData = parseAttestationObject(fromB64url(created.attestationObject)).authData;
    expect(authData).toEqual(fromB64url(created.authenticatorData));
    expect(parseAuthenticatorData(authData).rpIdHash).not.toEqual(rpIdHash(RP));
  });

  it('bad-signature: authData is honest, the signature is a real ES256 signature over other bytes', async () => {
    const { before, after, reply, request, publicKey } = await misbehavedSignIn('bad-signature');
    expect({ ...after, signCount: before.signCount }).toEqual(before);
    expect(after.signCount).toBe(2);
    expect(() => p256.Signature.fromBytes(fromB64url(reply.signature), 'der')).not.toThrow();
    expect(signedOver(reply, request, publicKey)).toBe(false);
  });

  it('up-false and uv-false: exactly that flag is cleared, and the data is signed', async () => {
    for (const [mode, field] of [['up-false', 'userPresent'], ['uv-false', 'userVerified']] as const) {
      const { before, after, reply, request, publicKey } = await misbehavedSignIn(mode);
      expect(before[field]).toBe(true);
      expect(after[field]).toBe(false);
      expect({ ...after, [field]: true, flags: before.flags, signCount: before.signCount }).toEqual(before);
      expect(signedOver(reply, request, publicKey)).toBe(true);
    }
  });

  it('be-bs-flip: a credential registered without BE signs in with BE and BS set', async () => {
    const { before, after, reply, request, publicKey } = await misbehavedSignIn('be-bs-flip');
    expect([before.backupEligible, before.backupState]).toEqual([false, false]);
    expect([after.backupEligible, after.backupState]).toEqual([true, true]);
    expect({ ...after, backupEligible: false, backupState: false, flags: before.flags, signCount: before.signCount }).toEqual(before);
    expect(signedOver(reply, request, publicKey)).toBe(true);
  });

  it('stale-challenge-replay: the earlier answer comes back for the new request', async () => {
    const { honest, first, reply, request, publicKey } = await misbehavedSignIn('stale-challenge-replay');
    expect(reply).toEqual({ ...honest, id: request.id });
    // Valid for the old clientDataHash only: the RP, hashing the new clientDataJSON, sees a bad signature.
    expect(signedOver(reply, first, publicKey)).toBe(true);
    expect(signedOver(reply, request, publicKey)).toBe(false);
  });

  it('unoffered-alg: an Ed25519 key when EdDSA was not offered (ES384 when it was), and the ES256 one is gone', async () => {
    const phone = VirtualPhone.open();
    phone.misbehaviour.set('unoffered-alg');
    const request = registration([-7, -257]);
    const created = (await answer(phone, request, true)) as Created;
    expect(created.publicKeyAlgorithm).toBe(-8);
    const authData = parseAttestationObject(fromB64url(created.attestationObject)).authData;
    // The core's parser knows only ES256 keys: decode the COSE key by hand.
    const credentialIdLength = new DataView(authData.buffer, authData.byteOffset).getUint16(53);
    const cose = cborDecode(authData.subarray(55 + credentialIdLength)) as Map<number, unknown>;
    expect([cose.get(1), cose.get(3), cose.get(-1)]).toEqual([1, -8, 6]);
    expect(fromB64url(created.publicKey).subarray(12)).toEqual(cose.get(-2));
    expect(ed25519.Point.fromBytes(cose.get(-2) as Uint8Array)).toBeTruthy();
    expect(await phone.store.list()).toEqual([]);

    phone.misbehaviour.set('unoffered-alg');
    expect(((await answer(phone, registration([-8, -7]), true)) as Created).publicKeyAlgorithm).toBe(-35);
  });

  it('an answer says which modes it carried; an error answer uses none up', async () => {
    const phone = VirtualPhone.open();
    phone.misbehaviour.set('up-false');
    // No passkey yet: the sign-in fails honestly and the mode stays armed.
    expect(await phone.answer(signIn(), true)).toMatchObject({ reply: { type: 'error', name: 'NotAllowedError' }, misbehaved: [] });
    expect(await phone.answer(registration(), true)).toMatchObject({ reply: { type: 'credential-created' }, misbehaved: ['up-false'] });
    expect(await phone.answer(signIn(), true)).toMatchObject({ reply: { type: 'assertion' }, misbehaved: [] });
  });

  it('a one-shot mode is used by the first answer it applies to; a persistent one stays until cleared', async () => {
    const modes = new MisbehaviourSwitch();
    modes.set('bad-signature');
    expect(modes.take('registration')).toEqual([]);
    expect(modes.take('sign-in')).toEqual(['bad-signature']);
    expect(modes.take('sign-in')).toEqual([]);
    modes.set('up-false', { persistent: true });
    expect(modes.take('registration')).toEqual(['up-false']);
    expect(modes.take('sign-in')).toEqual(['up-false']);
    modes.clear();
    expect(modes.take('sign-in')).toEqual([]);
  });
});
