// Negative-test modes for the virtual phone: replies that are wrong at the protocol level in
// exactly one way, so a QA suite can prove a relying party refuses them. Each mode rewrites the
// honest reply the authenticator core produced; where the mode is not about the signature, the
// result is signed again with the credential's real key, so the only thing wrong is the one field.
//
// The extension owns clientDataJSON (the phone signs only its hash), so the phone cannot forge
// the challenge: 'stale-challenge-replay' resends an earlier answer, whose signature covers an
// earlier clientDataHash. The page then carries a fresh clientDataJSON (right challenge) with old
// authenticatorData and a signature over the old hash: the RP's signature check fails, and the
// reused counter would be flagged as a regression if the signature had held.
import { ed25519 } from '@noble/curves/ed25519.js';
import { p384 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { concatBytes, fromB64url, toB64url } from '../../shared/bytes.ts';
import { asCborMap } from '../../shared/authenticator/cbor.ts';
import {
  cborDecode,
  cborEncode,
  encodeAuthenticatorData,
  FLAG_BE,
  FLAG_BS,
  FLAG_UP,
  FLAG_UV,
  nobleP256KeyFromPrivate,
  PAIRKEY_AAGUID,
  rpIdHash,
  type SigningKey,
} from '../../shared/authenticator/index.ts';
import type { PhoneReply, PhoneRequest } from '../../shared/protocol/index.ts';

export const MISBEHAVIOUR_MODES = [
  'counter-rollback',
  'wrong-rp-id-hash',
  'bad-signature',
  'up-false',
  'uv-false',
  'be-bs-flip',
  'stale-challenge-replay',
  'unoffered-alg',
] as const;
export type MisbehaviourMode = (typeof MISBEHAVIOUR_MODES)[number];

type Ceremony = 'registration' | 'sign-in';

/**
 * Which answers a mode can spoil. A counter, a replay, a BE change and a bad signature only mean
 * something on a sign-in (a registration has counter 0, no earlier answer, no stored BE, and with
 * attestation "none" no signature); an algorithm is chosen only at registration.
 */
const APPLIES_TO: Record<MisbehaviourMode, readonly Ceremony[]> = {
  'counter-rollback': ['sign-in'],
  'wrong-rp-id-hash': ['registration', 'sign-in'],
  'bad-signature': ['sign-in'],
  'up-false': ['registration', 'sign-in'],
  'uv-false': ['registration', 'sign-in'],
  'be-bs-flip': ['sign-in'],
  'stale-challenge-replay': ['sign-in'],
  'unoffered-alg': ['registration'],
};

export function appliesTo(mode: MisbehaviourMode, ceremony: Ceremony): boolean {
  return APPLIES_TO[mode].includes(ceremony);
}

/** The armed modes: one-shot ones are used up by the first answer they apply to. */
export class MisbehaviourSwitch {
  private armed = new Map<MisbehaviourMode, { persistent: boolean }>();

  set(mode: MisbehaviourMode, options: { persistent?: boolean } = {}): void {
    this.armed.set(mode, { persistent: options.persistent ?? false });
  }

  clear(): void {
    this.armed.clear();
  }

  /** The modes for this answer, in the order they are applied; one-shot ones are disarmed. */
  take(ceremony: Ceremony): MisbehaviourMode[] {
    const modes = MISBEHAVIOUR_MODES.filter((m) => this.armed.has(m) && appliesTo(m, ceremony));
    for (const mode of modes) if (!this.armed.get(mode)!.persistent) this.armed.delete(mode);
    return modes;
  }
}

/** What the phone needs to misbehave convincingly: its keys and its earlier answers. */
export interface MisbehaviourContext {
  /** The credential's signing key, to sign the altered data for real. */
  keyOf(credentialId: Uint8Array): SigningKey | undefined;
  /** The last honest sign-in answer for this RP ID, for 'stale-challenge-replay'. */
  lastAssertion(rpId: string): Extract<PhoneReply, { type: 'assertion' }> | undefined;
  /** Forget a credential the phone replaced with one of an unoffered algorithm. */
  forget(credentialId: Uint8Array): Promise<void>;
}

/** Thrown when a mode cannot apply to this answer; the phone reports it as UnknownError. */
export class MisbehaviourNotPossible extends Error {}

const WRONG_RP_ID = 'wrong-rp-id.pairkey.invalid';

/** Apply `modes` to an honest reply; the reply is returned unchanged when `modes` is empty. */
export async function misbehave(modes: MisbehaviourMode[], request: PhoneRequest, reply: PhoneReply, ctx: MisbehaviourContext): Promise<PhoneReply> {
  if (modes.length === 0 || reply.type === 'error') return reply;
  const clientDataHash = sha256(fromB64url(request.clientDataJSON));
  if (reply.type === 'assertion' && request.type === 'get-assertion') {
    if (modes.includes('stale-challenge-replay')) {
      const earlier = ctx.lastAssertion(request.rpId);
      if (!earlier) throw new MisbehaviourNotPossible(`stale-challenge-replay: no earlier sign-in answer for ${request.rpId} to replay`);
      return { ...earlier, id: reply.id };
    }
    const key = signingKey(ctx, reply.credentialId);
    const authData = alterAuthData(fromB64url(reply.authenticatorData), modes);
    const signed = modes.includes('bad-signature')
      ? // A well-formed ES256 signature by the real key, over bytes the RP does not check.
        await key.sign(concatBytes(authData, sha256(clientDataHash)))
      : await key.sign(concatBytes(authData, clientDataHash));
    return { ...reply, authenticatorData: toB64url(authData), signature: toB64url(signed) };
  }
  if (reply.type === 'credential-created' && request.type === 'make-credential') {
    if (modes.includes('unoffered-alg')) return unofferedAlgCredential(request, reply, clientDataHash, modes, ctx);
    const authData = alterAuthData(fromB64url(reply.authenticatorData), modes);
    const attestationObject = await reattest(fromB64url(reply.attestationObject), authData, clientDataHash, signingKey(ctx, reply.credentialId));
    return { ...reply, authenticatorData: toB64url(authData), attestationObject: toB64url(attestationObject) };
  }
  return reply;
}

function signingKey(ctx: MisbehaviourContext, credentialId: string): SigningKey {
  const key = ctx.keyOf(fromB64url(credentialId));
  if (!key) throw new MisbehaviourNotPossible('the phone has no key for the credential it answered with');
  return key;
}

/** The authData edits: rpIdHash (bytes 0-31), flags (32) and signCount (33-36), in place on a copy. */
function alterAuthData(original: Uint8Array, modes: MisbehaviourMode[]): Uint8Array {
  const authData = original.slice();
  const view = new DataView(authData.buffer, authData.byteOffset, authData.byteLength);
  if (modes.includes('wrong-rp-id-hash')) authData.set(rpIdHash(WRONG_RP_ID), 0);
  let flags = authData[32]!;
  if (modes.includes('up-false')) flags &= ~FLAG_UP;
  if (modes.includes('uv-false')) flags &= ~FLAG_UV;
  if (modes.includes('be-bs-flip')) {
    // BE flips; BS follows it, so the flags stay a valid combination and only BE's change is wrong.
    flags = flags & FLAG_BE ? flags & ~(FLAG_BE | FLAG_BS) : flags | FLAG_BE | FLAG_BS;
  }
  authData[32] = flags;
  if (modes.includes('counter-rollback')) {
    // The honest count is the last one sent plus one; going below the last one sent is a
    // regression only once the RP has seen a non-zero count.
    const honest = view.getUint32(33, false);
    if (honest < 2) throw new MisbehaviourNotPossible('counter-rollback: the credential must have signed in once before, so there is a counter to roll back');
    view.setUint32(33, honest - 2, false);
  }
  return authData;
}

/** The attestation object with new authData; a "packed" self attestation is signed again. */
async function reattest(attestationObject: Uint8Array, authData: Uint8Array, clientDataHash: Uint8Array, key: SigningKey): Promise<Uint8Array> {
  const envelope = asCborMap(cborDecode(attestationObject), 'attestationObject');
  if (envelope.get('fmt') === 'packed') {
    return cborEncode({ fmt: 'packed', attStmt: { alg: key.alg, sig: await key.sign(concatBytes(authData, clientDataHash)) }, authData });
  }
  return cborEncode({ fmt: envelope.get('fmt'), attStmt: {}, authData });
}

interface OtherKey {
  alg: number;
  cose: Uint8Array;
  spki: Uint8Array;
  sign(data: Uint8Array): Uint8Array;
}

/** Keys of algorithms a relying party may not have offered: Ed25519 (-8), then ES384 (-35). */
const OTHER_KEYS: readonly (() => OtherKey)[] = [
  () => {
    const secret = ed25519.utils.randomSecretKey();
    const x = ed25519.getPublicKey(secret);
    return {
      alg: -8,
      // COSE OKP key: kty 1, alg -8, crv 6 (Ed25519), x.
      cose: cborEncode(new Map<number, number | Uint8Array>([[1, 1], [3, -8], [-1, 6], [-2, x]])),
      spki: concatBytes(hexToBytes('302a300506032b6570032100'), x),
      sign: (data) => ed25519.sign(data, secret),
    };
  },
  () => {
    const secret = p384.utils.randomSecretKey();
    const point = p384.getPublicKey(secret, false);
    return {
      alg: -35,
      // COSE EC2 key: kty 2, alg -35, crv 2 (P-384), x, y.
      cose: cborEncode(new Map<number, number | Uint8Array>([[1, 2], [3, -35], [-1, 2], [-2, point.slice(1, 49)], [-3, point.slice(49)]])),
      spki: concatBytes(hexToBytes('3076301006072a8648ce3d020106052b81040022036200'), point),
      sign: (data) => p384.sign(data, secret, { prehash: true, format: 'der' }),
    };
  },
];

/**
 * A new credential whose key uses an algorithm the request did not list in pubKeyCredParams,
 * in place of the ES256 one the core made (which the phone forgets). The phone does not keep the
 * replacement: its store holds P-256 keys only, and a conforming RP refuses it anyway.
 */
async function unofferedAlgCredential(
  request: Extract<PhoneRequest, { type: 'make-credential' }>,
  reply: Extract<PhoneReply, { type: 'credential-created' }>,
  clientDataHash: Uint8Array,
  modes: MisbehaviourMode[],
  ctx: MisbehaviourContext,
): Promise<PhoneReply> {
  const offered = new Set(request.pubKeyCredParams.map((p) => p.alg));
  const key = OTHER_KEYS.map((make) => make()).find((k) => !offered.has(k.alg));
  if (!key) throw new MisbehaviourNotPossible('unoffered-alg: the request offered every algorithm this phone can fake (-8, -35)');
  const honest = fromB64url(reply.authenticatorData);
  const credentialId = randomBytes(32);
  const authData = alterAuthData(
    encodeAuthenticatorData({
      rpIdHash: honest.slice(0, 32),
      userPresent: (honest[32]! & FLAG_UP) !== 0,
      userVerified: (honest[32]! & FLAG_UV) !== 0,
      backupEligible: (honest[32]! & FLAG_BE) !== 0,
      backupState: (honest[32]! & FLAG_BS) !== 0,
      signCount: 0,
      attestedCredentialData: { aaguid: PAIRKEY_AAGUID, credentialId, credentialPublicKey: key.cose },
    }),
    modes.filter((m) => m !== 'unoffered-alg'),
  );
  const packed = request.attestation !== 'none';
  const attestationObject = packed
    ? cborEncode({ fmt: 'packed', attStmt: { alg: key.alg, sig: key.sign(concatBytes(authData, clientDataHash)) }, authData })
    : cborEncode({ fmt: 'none', attStmt: {}, authData });
  await ctx.forget(fromB64url(reply.credentialId));
  return {
    ...reply,
    credentialId: toB64url(credentialId),
    attestationObject: toB64url(attestationObject),
    authenticatorData: toB64url(authData),
    publicKey: toB64url(key.spki),
    publicKeyAlgorithm: key.alg,
  };
}
