// End-to-end checks of the authenticator core against two independent RP libraries:
// @simplewebauthn/server and fido2-lib. A tiny WebAuthn "client" below builds clientDataJSON
// with shared/webauthn and wraps the authenticator's output in the L3 JSON forms.
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { Fido2Lib } from 'fido2-lib';
import { describe, expect, it } from 'vitest';
import { concatBytes, toArrayBuffer, toB64url } from '../bytes.ts';
import { WebAuthnError } from '../errors.ts';
import { buildClientDataJSON } from '../webauthn/client-data.ts';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../webauthn/json.ts';
import { parseAttestationObject } from './attestation.ts';
import { FLAG_BE, FLAG_BS, FLAG_UV, PAIRKEY_AAGUID, PAIRKEY_AAGUID_STRING, parseAuthenticatorData } from './auth-data.ts';
import { coseToSpki } from './cose.ts';
import { Authenticator, type Approval, type AuthenticatorOptions, type GetAssertionInput, type MakeCredentialInput } from './core.ts';
import { generateNobleP256Key, generateWebCryptoP256Key } from './keys.ts';
import { MemoryCredentialStore } from './store.ts';

const ORIGIN = 'https://login.example.com';
const RP_ID = 'example.com';
const UP: Approval = { userPresent: true, userVerified: false };
const UV: Approval = { userPresent: true, userVerified: true };

function challenge(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

function setup(over: Partial<AuthenticatorOptions> = {}) {
  let clock = 1_000;
  const store = new MemoryCredentialStore();
  const authenticator = new Authenticator({
    store,
    newKey: async () => generateNobleP256Key().key,
    now: () => ++clock,
    ...over,
  });
  return { store, authenticator };
}

function makeInput(clientDataHash: Uint8Array, over: Partial<MakeCredentialInput> = {}): MakeCredentialInput {
  return {
    clientDataHash,
    rp: { id: RP_ID, name: 'Example' },
    user: { id: new Uint8Array([1, 2, 3, 4]), name: 'alice@example.com', displayName: 'Alice' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    excludeCredentials: [],
    residentKey: 'required',
    userVerification: 'preferred',
    attestation: 'none',
    ...over,
  };
}

async function register(
  authenticator: Authenticator,
  over: Partial<MakeCredentialInput> = {},
  approval: Approval = UV,
): Promise<{ json: RegistrationResponseJSON; challenge: Uint8Array; credentialId: Uint8Array; result: Awaited<ReturnType<Authenticator['makeCredential']>> }> {
  const c = challenge();
  const clientDataJSON = buildClientDataJSON({ type: 'webauthn.create', challenge: c, origin: ORIGIN, crossOrigin: false });
  const result = await authenticator.makeCredential(makeInput(sha256(clientDataJSON), over), approval);
  const json: RegistrationResponseJSON = {
    id: toB64url(result.credentialId),
    rawId: toB64url(result.credentialId),
    type: 'public-key',
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: {},
    response: {
      clientDataJSON: toB64url(clientDataJSON),
      attestationObject: toB64url(result.attestationObject),
      authenticatorData: toB64url(result.authenticatorData),
      publicKey: toB64url(result.publicKeySpki),
      publicKeyAlgorithm: result.publicKeyAlgorithm,
      transports: result.transports,
    },
  };
  return { json, challenge: c, credentialId: result.credentialId, result };
}

async function authenticate(
  authenticator: Authenticator,
  over: Partial<GetAssertionInput> = {},
  approval: Approval = UV,
): Promise<{ json: AuthenticationResponseJSON; challenge: Uint8Array; clientDataJSON: Uint8Array; result: Awaited<ReturnType<Authenticator['getAssertion']>> }> {
  const c = challenge();
  const clientDataJSON = buildClientDataJSON({ type: 'webauthn.get', challenge: c, origin: ORIGIN, crossOrigin: false });
  const result = await authenticator.getAssertion(
    { rpId: RP_ID, clientDataHash: sha256(clientDataJSON), allowCredentials: [], userVerification: 'preferred', ...over },
    approval,
  );
  const json: AuthenticationResponseJSON = {
    id: toB64url(result.credentialId),
    rawId: toB64url(result.credentialId),
    type: 'public-key',
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: {},
    response: {
      clientDataJSON: toB64url(clientDataJSON),
      authenticatorData: toB64url(result.authenticatorData),
      signature: toB64url(result.signature),
      ...(result.userHandle ? { userHandle: toB64url(result.userHandle) } : {}),
    },
  };
  return { json, challenge: c, clientDataJSON, result };
}

async function swaRegister(json: RegistrationResponseJSON, c: Uint8Array, requireUserVerification = false) {
  return verifyRegistrationResponse({
    response: json,
    expectedChallenge: toB64url(c),
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification,
  });
}

type SwaCredential = { id: string; publicKey: Uint8Array<ArrayBuffer>; counter: number };

async function swaAuthenticate(json: AuthenticationResponseJSON, c: Uint8Array, credential: SwaCredential, requireUserVerification = false) {
  return verifyAuthenticationResponse({
    response: json,
    expectedChallenge: toB64url(c),
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification,
  });
}

function fido2(): Fido2Lib {
  return new Fido2Lib({ rpId: RP_ID, rpName: 'Example', challengeSize: 32, cryptoParams: [-7] });
}

async function fidoRegister(json: RegistrationResponseJSON, c: Uint8Array, factor: 'first' | 'second' | 'either' = 'either') {
  return fido2().attestationResult(
    {
      rawId: toArrayBuffer(new Uint8Array(Buffer.from(json.rawId, 'base64url'))),
      response: { clientDataJSON: json.response.clientDataJSON, attestationObject: json.response.attestationObject },
    },
    { challenge: toB64url(c), origin: ORIGIN, factor, rpId: RP_ID },
  );
}

async function fidoAuthenticate(
  json: AuthenticationResponseJSON,
  c: Uint8Array,
  publicKeyPem: string,
  prevCounter: number,
  userHandle: string | null,
  factor: 'first' | 'second' | 'either' = 'either',
) {
  return fido2().assertionResult(
    {
      rawId: toArrayBuffer(new Uint8Array(Buffer.from(json.rawId, 'base64url'))),
      response: {
        clientDataJSON: json.response.clientDataJSON,
        authenticatorData: toArrayBuffer(new Uint8Array(Buffer.from(json.response.authenticatorData, 'base64url'))),
        signature: json.response.signature,
        ...(json.response.userHandle ? { userHandle: json.response.userHandle } : {}),
      },
    },
    { challenge: toB64url(c), origin: ORIGIN, factor, publicKey: publicKeyPem, prevCounter, userHandle, rpId: RP_ID },
  );
}

async function expectWebAuthnError(promise: Promise<unknown>, name: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WebAuthnError);
  expect((err as WebAuthnError).errorName).toBe(name);
}

describe('makeCredential + getAssertion verified by @simplewebauthn/server', () => {
  it.each(['none', 'direct', 'indirect', 'enterprise'] as const)('registers with attestation %s and signs in with increasing counters', async (attestation) => {
    const { authenticator } = setup();
    const reg = await register(authenticator, { attestation });
    const verified = await swaRegister(reg.json, reg.challenge, true);
    expect(verified.verified).toBe(true);
    const info = verified.registrationInfo!;
    expect(info.fmt).toBe(attestation === 'none' ? 'none' : 'packed');
    expect(info.aaguid).toBe(PAIRKEY_AAGUID_STRING);
    expect(info.userVerified).toBe(true);
    expect(info.credentialDeviceType).toBe('singleDevice');
    expect(info.credentialBackedUp).toBe(false);
    expect(info.credential.counter).toBe(0);

    const credential: SwaCredential = { id: info.credential.id, publicKey: info.credential.publicKey as Uint8Array<ArrayBuffer>, counter: 0 };
    for (const expected of [1, 2, 3]) {
      const auth = await authenticate(authenticator);
      const result = await swaAuthenticate(auth.json, auth.challenge, credential, true);
      expect(result.verified).toBe(true);
      expect(result.authenticationInfo.newCounter).toBe(expected);
      credential.counter = result.authenticationInfo.newCounter;
    }
  });

  it('packed self attestation carries { alg: -7, sig } and no x5c', async () => {
    const { authenticator } = setup();
    const reg = await register(authenticator, { attestation: 'direct' });
    const att = parseAttestationObject(reg.result.attestationObject);
    expect(att.fmt).toBe('packed');
    expect(att.attStmt.get('alg')).toBe(-7);
    expect(att.attStmt.get('sig')).toBeInstanceOf(Uint8Array);
    expect(att.attStmt.has('x5c')).toBe(false);
    expect(att.authData).toEqual(reg.result.authenticatorData);
    const none = parseAttestationObject((await register(authenticator, { attestation: 'none', user: { id: new Uint8Array([9]), name: 'b', displayName: 'B' } })).result.attestationObject);
    expect(none.fmt).toBe('none');
    expect(none.attStmt.size).toBe(0);
  });

  it('requireUserVerification: passes with UV, fails without; UV flag follows the approval', async () => {
    const { authenticator } = setup();
    const withoutUv = await register(authenticator, {}, UP);
    expect(parseAuthenticatorData(withoutUv.result.authenticatorData).flags & FLAG_UV).toBe(0);
    await expect(swaRegister(withoutUv.json, withoutUv.challenge, true)).rejects.toThrow(/verif/i);
    const ok = await swaRegister(withoutUv.json, withoutUv.challenge, false);
    expect(ok.verified).toBe(true);
    expect(ok.registrationInfo!.userVerified).toBe(false);

    const credential: SwaCredential = {
      id: ok.registrationInfo!.credential.id,
      publicKey: ok.registrationInfo!.credential.publicKey as Uint8Array<ArrayBuffer>,
      counter: 0,
    };
    const noUv = await authenticate(authenticator, {}, UP);
    await expect(swaAuthenticate(noUv.json, noUv.challenge, credential, true)).rejects.toThrow(/verif/i);
    const noUvOk = await swaAuthenticate(noUv.json, noUv.challenge, credential, false);
    expect(noUvOk.verified).toBe(true);
    expect(noUvOk.authenticationInfo.userVerified).toBe(false);
    credential.counter = noUvOk.authenticationInfo.newCounter;
    const withUv = await authenticate(authenticator, {}, UV);
    const withUvOk = await swaAuthenticate(withUv.json, withUv.challenge, credential, true);
    expect(withUvOk.authenticationInfo.userVerified).toBe(true);
  });

  it('works with a non-extractable WebCrypto key (r||s converted to DER)', async () => {
    const { authenticator } = setup({ newKey: () => generateWebCryptoP256Key() });
    const reg = await register(authenticator, { attestation: 'direct' });
    const info = (await swaRegister(reg.json, reg.challenge)).registrationInfo!;
    const auth = await authenticate(authenticator);
    const result = await swaAuthenticate(auth.json, auth.challenge, {
      id: info.credential.id,
      publicKey: info.credential.publicKey as Uint8Array<ArrayBuffer>,
      counter: 0,
    });
    expect(result.verified).toBe(true);
  });
});

describe('makeCredential + getAssertion verified by fido2-lib', () => {
  it.each(['none', 'direct'] as const)('attestation %s, then assertions with a rising counter', async (attestation) => {
    const { authenticator } = setup();
    const reg = await register(authenticator, { attestation });
    const regResult = await fidoRegister(reg.json, reg.challenge, 'first');
    expect(regResult.authnrData.get('fmt')).toBe(attestation === 'none' ? 'none' : 'packed');
    const pem = regResult.authnrData.get('credentialPublicKeyPem') as string;
    expect(pem).toContain('BEGIN PUBLIC KEY');

    let prevCounter = regResult.authnrData.get('counter') as number;
    expect(prevCounter).toBe(0);
    for (let i = 0; i < 2; i++) {
      const auth = await authenticate(authenticator);
      const result = await fidoAuthenticate(auth.json, auth.challenge, pem, prevCounter, toB64url(new Uint8Array([1, 2, 3, 4])), 'first');
      const counter = result.authnrData.get('counter') as number;
      expect(counter).toBe(prevCounter + 1);
      prevCounter = counter;
    }
  });

  it('rejects tampered authenticator data (the verifier really checks the signature)', async () => {
    const { authenticator } = setup();
    const reg = await register(authenticator);
    const pem = (await fidoRegister(reg.json, reg.challenge)).authnrData.get('credentialPublicKeyPem') as string;
    const auth = await authenticate(authenticator);
    const userHandle = toB64url(new Uint8Array([1, 2, 3, 4]));
    await expect(fidoAuthenticate(auth.json, auth.challenge, pem, 0, userHandle)).resolves.toBeDefined();
    const authData = new Uint8Array(Buffer.from(auth.json.response.authenticatorData, 'base64url'));
    authData[36]! += 1; // signCount 1 → 2, not what was signed
    const tampered = { ...auth.json, response: { ...auth.json.response, authenticatorData: toB64url(authData) } };
    await expect(fidoAuthenticate(tampered, auth.challenge, pem, 0, userHandle)).rejects.toThrow(/signature/i);
  });

  it('non-discoverable credential: null userHandle, verified with allowCredentials', async () => {
    const { authenticator } = setup();
    const reg = await register(authenticator, { residentKey: 'discouraged' });
    const pem = (await fidoRegister(reg.json, reg.challenge)).authnrData.get('credentialPublicKeyPem') as string;
    const auth = await authenticate(authenticator, { allowCredentials: [{ type: 'public-key', id: reg.credentialId }] }, UP);
    expect(auth.result.userHandle).toBeNull();
    const result = await fidoAuthenticate(auth.json, auth.challenge, pem, 0, null, 'either');
    expect(result.authnrData.get('counter')).toBe(1);
  });
});

describe('authenticator rules', () => {
  it('excludeCredentials → InvalidStateError after consent, NotAllowedError without it', async () => {
    const { authenticator } = setup();
    const first = await register(authenticator);
    const input = makeInput(new Uint8Array(32), { excludeCredentials: [{ type: 'public-key', id: first.credentialId }] });
    expect(await authenticator.findExcluded(input)).toBe(true);
    await expectWebAuthnError(authenticator.makeCredential(input, UV), 'InvalidStateError');
    await expectWebAuthnError(authenticator.makeCredential(input, { userPresent: false, userVerified: false }), 'NotAllowedError');
    // The same ID listed for another RP does not exclude.
    const otherRp = makeInput(new Uint8Array(32), { rp: { id: 'other.example', name: 'Other' }, excludeCredentials: [{ type: 'public-key', id: first.credentialId }] });
    expect(await authenticator.findExcluded(otherRp)).toBe(false);
    await expect(authenticator.makeCredential(otherRp, UV)).resolves.toBeDefined();
  });

  it('no ES256 in pubKeyCredParams → NotSupportedError', async () => {
    const { authenticator, store } = setup();
    await expectWebAuthnError(
      authenticator.makeCredential(makeInput(new Uint8Array(32), { pubKeyCredParams: [{ type: 'public-key', alg: -257 }] }), UV),
      'NotSupportedError',
    );
    expect(await store.list()).toEqual([]);
  });

  it('userVerification required without UV → NotAllowedError; no user presence → NotAllowedError', async () => {
    const { authenticator, store } = setup();
    await expectWebAuthnError(authenticator.makeCredential(makeInput(new Uint8Array(32), { userVerification: 'required' }), UP), 'NotAllowedError');
    await expectWebAuthnError(authenticator.makeCredential(makeInput(new Uint8Array(32)), { userPresent: false, userVerified: true }), 'NotAllowedError');
    expect(await store.list()).toEqual([]);
    await register(authenticator);
    await expectWebAuthnError(authenticate(authenticator, { userVerification: 'required' }, UP), 'NotAllowedError');
    await expectWebAuthnError(authenticate(authenticator, {}, { userPresent: false, userVerified: true }), 'NotAllowedError');
    // Refused assertions do not consume counter values.
    expect((await store.list())[0]!.signCount).toBe(0);
  });

  it('allowCredentials filters to the listed credentials of this RP', async () => {
    const { authenticator } = setup();
    const a = await register(authenticator, { user: { id: new Uint8Array([1]), name: 'a', displayName: 'A' } });
    const b = await register(authenticator, { user: { id: new Uint8Array([2]), name: 'b', displayName: 'B' } });
    const onlyA = await authenticate(authenticator, { allowCredentials: [{ type: 'public-key', id: a.credentialId }] });
    expect(onlyA.result.credentialId).toEqual(a.credentialId);
    const onlyB = await authenticate(authenticator, { allowCredentials: [{ type: 'public-key', id: b.credentialId }] });
    expect(onlyB.result.credentialId).toEqual(b.credentialId);
    await expectWebAuthnError(authenticate(authenticator, { allowCredentials: [{ type: 'public-key', id: new Uint8Array(32) }] }), 'NotAllowedError');
    await expectWebAuthnError(
      authenticate(authenticator, { rpId: 'other.example', allowCredentials: [{ type: 'public-key', id: a.credentialId }] }),
      'NotAllowedError',
    );
  });

  it('empty allowCredentials uses discoverable credentials only, most recent first, with userHandle', async () => {
    const { authenticator } = setup();
    await register(authenticator, { residentKey: 'discouraged', user: { id: new Uint8Array([7]), name: 'nd', displayName: 'ND' } });
    await expectWebAuthnError(authenticate(authenticator), 'NotAllowedError');
    const older = await register(authenticator, { residentKey: 'preferred', user: { id: new Uint8Array([1]), name: 'old', displayName: 'Old' } });
    expect(older.result.residentKey).toBe(true);
    const newer = await register(authenticator, { residentKey: 'required', user: { id: new Uint8Array([2]), name: 'new', displayName: 'New' } });
    const input: GetAssertionInput = { rpId: RP_ID, clientDataHash: new Uint8Array(32), allowCredentials: [], userVerification: 'preferred' };
    expect((await authenticator.candidates(input)).map((c) => c.userName)).toEqual(['new', 'old']);
    const auth = await authenticate(authenticator);
    expect(auth.result.credentialId).toEqual(newer.credentialId);
    expect(auth.result.userHandle).toEqual(new Uint8Array([2]));
    expect(auth.result.user).toEqual({ name: 'new', displayName: 'New' });
    // Using "old" moves it to the front.
    await authenticate(authenticator, {}, { ...UV, credentialId: older.credentialId });
    expect((await authenticator.candidates(input)).map((c) => c.userName)).toEqual(['old', 'new']);
  });

  it('approval.credentialId picks among candidates and cannot pick outside them', async () => {
    const { authenticator } = setup();
    const a = await register(authenticator, { user: { id: new Uint8Array([1]), name: 'a', displayName: 'A' } });
    await register(authenticator, { user: { id: new Uint8Array([2]), name: 'b', displayName: 'B' } });
    const picked = await authenticate(authenticator, {}, { ...UV, credentialId: a.credentialId });
    expect(picked.result.credentialId).toEqual(a.credentialId);
    await expectWebAuthnError(authenticate(authenticator, {}, { ...UV, credentialId: new Uint8Array(32) }), 'NotAllowedError');
  });

  it('a second discoverable credential for the same account replaces the first', async () => {
    const { authenticator, store } = setup();
    await register(authenticator);
    const second = await register(authenticator);
    const all = await store.list();
    expect(all.length).toBe(1);
    expect(all[0]!.id).toEqual(second.credentialId);
  });

  it('BE/BS are consistent: both off by default, both on when backupEligible', async () => {
    for (const backupEligible of [false, true]) {
      const { authenticator } = setup({ backupEligible });
      const reg = await register(authenticator);
      const regFlags = parseAuthenticatorData(reg.result.authenticatorData).flags;
      const auth = await authenticate(authenticator);
      const authFlags = parseAuthenticatorData(auth.result.authenticatorData).flags;
      for (const flags of [regFlags, authFlags]) {
        expect(Boolean(flags & FLAG_BE)).toBe(backupEligible);
        expect(Boolean(flags & FLAG_BS)).toBe(backupEligible);
      }
      const info = (await swaRegister(reg.json, reg.challenge)).registrationInfo!;
      expect(info.credentialDeviceType).toBe(backupEligible ? 'multiDevice' : 'singleDevice');
      expect(info.credentialBackedUp).toBe(backupEligible);
    }
  });

  it("counter 'zero' keeps signCount at 0 and verifiers still accept it", async () => {
    const { authenticator } = setup({ counter: 'zero' });
    const reg = await register(authenticator);
    const info = (await swaRegister(reg.json, reg.challenge)).registrationInfo!;
    const credential: SwaCredential = { id: info.credential.id, publicKey: info.credential.publicKey as Uint8Array<ArrayBuffer>, counter: 0 };
    for (let i = 0; i < 2; i++) {
      const auth = await authenticate(authenticator);
      expect(parseAuthenticatorData(auth.result.authenticatorData).signCount).toBe(0);
      const result = await swaAuthenticate(auth.json, auth.challenge, credential);
      expect(result.verified).toBe(true);
    }
  });

  it('concurrent assertions never reuse a counter value', async () => {
    const { authenticator } = setup();
    await register(authenticator);
    const results = await Promise.all(Array.from({ length: 5 }, () => authenticate(authenticator)));
    const counts = results.map((r) => parseAuthenticatorData(r.result.authenticatorData).signCount).sort();
    expect(counts).toEqual([1, 2, 3, 4, 5]);
  });

  it('the returned SPKI is the credential key: WebCrypto verifies an assertion with it', async () => {
    const { authenticator } = setup();
    const reg = await register(authenticator);
    const cose = parseAuthenticatorData(reg.result.authenticatorData).attestedCredentialData!.credentialPublicKey;
    expect(coseToSpki(cose)).toEqual(reg.result.publicKeySpki);
    const key = await crypto.subtle.importKey('spki', toArrayBuffer(reg.result.publicKeySpki), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const auth = await authenticate(authenticator);
    const signed = concatBytes(auth.result.authenticatorData, sha256(auth.clientDataJSON));
    const raw = p256.Signature.fromBytes(auth.result.signature, 'der').toBytes('compact');
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, toArrayBuffer(raw), toArrayBuffer(signed))).toBe(true);
    signed[0]! ^= 1;
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, toArrayBuffer(raw), toArrayBuffer(signed))).toBe(false);
  });

  it('reports transports, algorithm, AAGUID and the credProps answer', async () => {
    const { authenticator } = setup();
    const reg = await register(authenticator, { residentKey: 'discouraged', extensions: { credProps: true } });
    expect(reg.result.transports).toEqual(['hybrid']);
    expect(reg.result.publicKeyAlgorithm).toBe(-7);
    expect(reg.result.residentKey).toBe(false);
    expect(reg.result.credentialId.length).toBe(32);
    expect(parseAuthenticatorData(reg.result.authenticatorData).attestedCredentialData!.aaguid).toEqual(PAIRKEY_AAGUID);
  });

  it('rejects malformed inputs with TypeError', async () => {
    const { authenticator } = setup();
    await expectWebAuthnError(authenticator.makeCredential(makeInput(new Uint8Array(31)), UV), 'TypeError');
    await expectWebAuthnError(authenticator.makeCredential(makeInput(new Uint8Array(32), { user: { id: new Uint8Array(65), name: 'x', displayName: 'x' } }), UV), 'TypeError');
    await expectWebAuthnError(authenticator.makeCredential(makeInput(new Uint8Array(32), { rp: { id: '', name: 'x' } }), UV), 'TypeError');
    await expectWebAuthnError(
      authenticator.getAssertion({ rpId: RP_ID, clientDataHash: new Uint8Array(32), allowCredentials: 'x' as never, userVerification: 'preferred' }, UV),
      'TypeError',
    );
  });
});
