// Helpers shared by this folder's tests. Not exported from index.ts.
import { toB64url } from '../bytes.ts';
import type { ChannelMessage, CredentialCreatedMessage, GetAssertionMessage, MakeCredentialMessage } from '../protocol/messages.ts';

const b64 = (...bytes: number[]) => toB64url(Uint8Array.from(bytes));

export function sampleMakeCredential(id = 'req-1'): MakeCredentialMessage {
  return {
    type: 'make-credential',
    id,
    timeout: 60_000,
    clientDataJSON: toB64url(new TextEncoder().encode('{"type":"webauthn.create","challenge":"abc","origin":"https://example.com"}')),
    rp: { id: 'example.com', name: 'Example' },
    user: { id: b64(1, 2, 3, 4), name: 'alice@example.com', displayName: 'Alice' },
    pubKeyCredParams: [
      { type: 'public-key', alg: -7 },
      { type: 'public-key', alg: -257 },
    ],
    excludeCredentials: [{ type: 'public-key', id: b64(9, 9, 9), transports: ['hybrid'] }],
    residentKey: 'preferred',
    userVerification: 'preferred',
    attestation: 'none',
    extensions: { credProps: true },
  };
}

export function sampleGetAssertion(id = 'req-2'): GetAssertionMessage {
  return {
    type: 'get-assertion',
    id,
    timeout: 30_000,
    clientDataJSON: b64(1, 2, 3),
    rpId: 'example.com',
    allowCredentials: [],
    userVerification: 'required',
  };
}

export function sampleCredentialCreated(id = 'req-1'): CredentialCreatedMessage {
  return {
    type: 'credential-created',
    id,
    credentialId: b64(1, 2, 3, 4, 5, 6, 7, 8),
    attestationObject: b64(0xa3, 1, 2),
    authenticatorData: toB64url(new Uint8Array(37).fill(5)),
    publicKey: b64(0x30, 0x59),
    publicKeyAlgorithm: -7,
    transports: ['hybrid', 'internal'],
    residentKey: true,
  };
}

/** One valid message of every type. */
export function sampleMessages(): ChannelMessage[] {
  return [
    sampleMakeCredential(),
    sampleGetAssertion(),
    { type: 'cancel', id: 'req-1' },
    sampleCredentialCreated(),
    {
      type: 'assertion',
      id: 'req-2',
      credentialId: b64(1, 2, 3),
      authenticatorData: toB64url(new Uint8Array(37)),
      signature: b64(0x30, 0x44, 1),
      userHandle: null,
    },
    { type: 'error', id: 'req-1', name: 'NotAllowedError', message: 'Denied on the phone' },
    { type: 'hello', extensions: ['prf'] },
    { type: 'unpair' },
    { type: 'push-subscription', subscription: { endpoint: 'https://push.example/sub/1', p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) } },
    { type: 'push-subscription', subscription: null },
  ];
}
