// The objects the page gets back look and behave like the browser's own: instanceof checks,
// the response getters and toJSON, for both ceremonies; every algorithm the phone makes, and the
// largeBlob extension, through the real extension and virtual phone.
import { verifyAuthenticationResponse, verifyRegistrationResponse, type AuthenticationResponseJSON, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { toB64url } from '../../shared/bytes.ts';
import { expect, RP_URL, test } from './fixtures.ts';

test('credentials from the phone pass instanceof and carry every getter and toJSON', async ({ context, pairPhone }) => {
  await pairPhone();
  const page = await context.newPage();
  await page.goto(RP_URL);

  const created = await page.evaluate(async () => {
    const credential = (await navigator.credentials.create({
      publicKey: {
        rp: { id: 'localhost', name: 'Shape test' },
        user: { id: new Uint8Array([1, 2, 3, 4]), name: 'shape', displayName: 'Shape' },
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
        extensions: { credProps: true },
      },
    })) as PublicKeyCredential;
    const response = credential.response as AuthenticatorAttestationResponse;
    const json = (credential as unknown as { toJSON(): { id: string; response: { publicKeyAlgorithm: number } } }).toJSON();
    return {
      isCredential: credential instanceof PublicKeyCredential,
      isAttestation: response instanceof AuthenticatorAttestationResponse,
      type: credential.type,
      idMatchesRawId: credential.id === btoa(String.fromCharCode(...new Uint8Array(credential.rawId))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      attachment: credential.authenticatorAttachment,
      transports: response.getTransports(),
      algorithm: response.getPublicKeyAlgorithm(),
      publicKeyBytes: response.getPublicKey()?.byteLength ?? 0,
      authenticatorDataBytes: response.getAuthenticatorData().byteLength,
      attestationIsBuffer: response.attestationObject instanceof ArrayBuffer,
      clientData: JSON.parse(new TextDecoder().decode(response.clientDataJSON)) as { type: string; origin: string; crossOrigin: boolean },
      extensions: credential.getClientExtensionResults(),
      jsonId: json.id === credential.id,
      jsonAlgorithm: json.response.publicKeyAlgorithm,
      rawId: Array.from(new Uint8Array(credential.rawId)),
    };
  });
  expect(created).toMatchObject({
    isCredential: true,
    isAttestation: true,
    type: 'public-key',
    idMatchesRawId: true,
    attachment: 'cross-platform',
    transports: ['hybrid'],
    algorithm: -7,
    publicKeyBytes: 91, // SubjectPublicKeyInfo of a P-256 key
    attestationIsBuffer: true,
    clientData: { type: 'webauthn.create', origin: RP_URL, crossOrigin: false },
    extensions: { credProps: { rk: true } },
    jsonId: true,
    jsonAlgorithm: -7,
  });
  // rpIdHash(32) + flags(1) + signCount(4) + AAGUID(16) + idLen(2) + id + COSE key
  expect(created.authenticatorDataBytes).toBeGreaterThan(37 + 18 + 64);

  const asserted = await page.evaluate(async (rawId) => {
    const credential = (await navigator.credentials.get({
      publicKey: {
        rpId: 'localhost',
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        allowCredentials: [{ type: 'public-key', id: new Uint8Array(rawId) }],
      },
    })) as PublicKeyCredential;
    const response = credential.response as AuthenticatorAssertionResponse;
    return {
      isCredential: credential instanceof PublicKeyCredential,
      isAssertion: response instanceof AuthenticatorAssertionResponse,
      sameId: Array.from(new Uint8Array(credential.rawId)).join() === rawId.join(),
      userHandle: response.userHandle ? Array.from(new Uint8Array(response.userHandle)) : null,
      signatureIsDer: new Uint8Array(response.signature)[0] === 0x30,
      clientDataType: (JSON.parse(new TextDecoder().decode(response.clientDataJSON)) as { type: string }).type,
      authenticatorDataBytes: response.authenticatorData.byteLength,
    };
  }, created.rawId);
  expect(asserted).toEqual({
    isCredential: true,
    isAssertion: true,
    sameId: true,
    userHandle: [1, 2, 3, 4],
    signatureIsDer: true,
    clientDataType: 'webauthn.get',
    authenticatorDataBytes: 37,
  });
});

test('an rpId of another site is refused with SecurityError before the phone is asked', async ({ context, pairPhone }) => {
  const { phone } = await pairPhone();
  const page = await context.newPage();
  await page.goto(RP_URL);
  const name = await page.evaluate(async () => {
    try {
      await navigator.credentials.get({ publicKey: { rpId: 'example.com', challenge: new Uint8Array(32) } });
      return 'resolved';
    } catch (error) {
      return (error as DOMException).name;
    }
  });
  expect(name).toBe('SecurityError');
  expect(phone.stderrLines.filter((l) => l.startsWith('request'))).toEqual([]);
});

test('EdDSA and RS256 credentials, created and used through the extension, pass @simplewebauthn/server', async ({ context, pairPhone }) => {
  await pairPhone();
  const page = await context.newPage();
  await page.goto(RP_URL);
  for (const alg of [-8, -257]) {
    const challenge = toB64url(crypto.getRandomValues(new Uint8Array(32)));
    const registration = await page.evaluate(
      async ({ alg, challenge }) => {
        const bytes = (b64: string) => Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
        const credential = (await navigator.credentials.create({
          publicKey: {
            rp: { id: 'localhost', name: 'Algorithms' },
            user: { id: new Uint8Array([alg & 0xff]), name: `alg${alg}`, displayName: `alg ${alg}` },
            challenge: bytes(challenge),
            // The RP's order of preference: the phone takes the first it can make.
            pubKeyCredParams: [{ type: 'public-key', alg }, { type: 'public-key', alg: -7 }],
            authenticatorSelection: { residentKey: 'required' },
            attestation: 'direct',
          },
        })) as PublicKeyCredential;
        return (credential as unknown as { toJSON(): unknown }).toJSON();
      },
      { alg, challenge },
    );
    const verified = await verifyRegistrationResponse({ response: registration as RegistrationResponseJSON, expectedChallenge: challenge, expectedOrigin: RP_URL, expectedRPID: 'localhost' });
    expect(verified.verified).toBe(true);
    expect((registration as RegistrationResponseJSON).response.publicKeyAlgorithm).toBe(alg);

    const getChallenge = toB64url(crypto.getRandomValues(new Uint8Array(32)));
    const assertion = await page.evaluate(
      async ({ id, challenge }) => {
        const bytes = (b64: string) => Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
        const credential = (await navigator.credentials.get({ publicKey: { rpId: 'localhost', challenge: bytes(challenge), allowCredentials: [{ type: 'public-key', id: bytes(id) }] } })) as PublicKeyCredential;
        return (credential as unknown as { toJSON(): unknown }).toJSON();
      },
      { id: verified.registrationInfo!.credential.id, challenge: getChallenge },
    );
    const signedIn = await verifyAuthenticationResponse({
      response: assertion as AuthenticationResponseJSON,
      expectedChallenge: getChallenge,
      expectedOrigin: RP_URL,
      expectedRPID: 'localhost',
      credential: verified.registrationInfo!.credential,
    });
    expect(signedIn.verified).toBe(true);
    expect(signedIn.authenticationInfo.newCounter).toBe(1);
  }
});

test('largeBlob: created with support, written with one sign-in, read back with the next', async ({ context, pairPhone }) => {
  await pairPhone();
  const page = await context.newPage();
  await page.goto(RP_URL);
  const outcome = await page.evaluate(async () => {
    const created = (await navigator.credentials.create({
      publicKey: {
        rp: { id: 'localhost', name: 'Blobs' },
        user: { id: new Uint8Array([42]), name: 'blob', displayName: 'Blob' },
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        authenticatorSelection: { residentKey: 'required' },
        extensions: { largeBlob: { support: 'required' } } as AuthenticationExtensionsClientInputs,
      },
    })) as PublicKeyCredential;
    const allowCredentials = [{ type: 'public-key' as const, id: created.rawId }];
    const get = async (largeBlob: object) =>
      ((await navigator.credentials.get({ publicKey: { rpId: 'localhost', challenge: crypto.getRandomValues(new Uint8Array(32)), allowCredentials, extensions: { largeBlob } as AuthenticationExtensionsClientInputs } })) as PublicKeyCredential).getClientExtensionResults() as { largeBlob?: { blob?: ArrayBuffer; written?: boolean } };
    const before = await get({ read: true });
    const written = await get({ write: new TextEncoder().encode('a certificate, say') });
    const after = await get({ read: true });
    const tooMany = await navigator.credentials
      .get({ publicKey: { rpId: 'localhost', challenge: new Uint8Array(32), extensions: { largeBlob: { write: new Uint8Array(1) } } as AuthenticationExtensionsClientInputs } })
      .then(() => 'resolved', (error: DOMException) => error.name);
    return {
      supported: (created.getClientExtensionResults() as { largeBlob?: { supported?: boolean } }).largeBlob?.supported,
      before: before.largeBlob,
      written: written.largeBlob,
      blobIsBuffer: after.largeBlob?.blob instanceof ArrayBuffer,
      after: after.largeBlob?.blob ? new TextDecoder().decode(after.largeBlob.blob) : null,
      tooMany,
    };
  });
  expect(outcome).toEqual({ supported: true, before: {}, written: { written: true }, blobIsBuffer: true, after: 'a certificate, say', tooMany: 'NotSupportedError' });
});
