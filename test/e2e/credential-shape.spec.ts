// The objects the page gets back look and behave like the browser's own: instanceof checks,
// the response getters and toJSON, for both ceremonies.
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
