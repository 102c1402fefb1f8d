// The phone's own screen lock, reached through WebAuthn: a platform passkey for the app's own
// origin with the `prf` extension (WebAuthn L3 §10.1.4). Each unlock is a `get` with
// userVerification "required": the phone asks for its fingerprint, face or screen-lock PIN, and
// only then does its authenticator evaluate the PRF, whose output (HKDF) unwraps the data key.
// The assertion itself is not sent anywhere: the secret is the PRF output, which only the phone's
// authenticator can compute after it verified the person.

/** Why the screen lock cannot be used or did not unlock; the message is for the person. */
export class ScreenLockError extends Error {
  override name = 'ScreenLockError';
  constructor(
    message: string,
    /** For QA: `unsupported` (no platform authenticator or no PRF), `not-verified`, `failed`. */
    readonly code: 'unsupported' | 'not-verified' | 'failed',
  ) {
    super(message);
  }
}

export interface ScreenLockCredential {
  credentialId: Uint8Array;
  /** The PRF input (`eval.first`) this app uses with that credential. */
  prfSalt: Uint8Array;
}

const UNSUPPORTED = "This phone's browser cannot unlock keys with the screen lock (it lacks a platform passkey with the PRF extension). Keep using the app PIN.";

type PrfOutputs = { results?: { first?: BufferSource } ; enabled?: boolean };

function prfOf(credential: PublicKeyCredential): PrfOutputs | undefined {
  return (credential.getClientExtensionResults() as { prf?: PrfOutputs }).prf;
}

function toBytes(source: BufferSource): Uint8Array {
  return source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
}

function asBuffer(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(data);
}

/** Whether this browser has a user-verifying platform authenticator at all (PRF is checked at creation). */
export async function screenLockAvailable(): Promise<boolean> {
  if (typeof PublicKeyCredential === 'undefined') return false;
  try {
    return await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable();
  } catch {
    return false;
  }
}

/** Register the platform passkey. Throws ScreenLockError('unsupported') where PRF is not offered. */
export async function createScreenLockCredential(deviceName: string): Promise<ScreenLockCredential> {
  if (!(await screenLockAvailable())) throw new ScreenLockError(UNSUPPORTED, 'unsupported');
  const prfSalt = crypto.getRandomValues(new Uint8Array(32));
  let credential: PublicKeyCredential;
  try {
    credential = (await navigator.credentials.create({
      publicKey: {
        rp: { id: location.hostname, name: 'Pairkey phone app' },
        user: { id: crypto.getRandomValues(new Uint8Array(16)), name: 'Pairkey unlock', displayName: `${deviceName}: unlocks your Pairkey passkeys` },
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        pubKeyCredParams: [
          { type: 'public-key', alg: -7 },
          { type: 'public-key', alg: -257 },
        ],
        authenticatorSelection: { authenticatorAttachment: 'platform', residentKey: 'discouraged', userVerification: 'required' },
        extensions: { prf: { eval: { first: asBuffer(prfSalt) } } } as AuthenticationExtensionsClientInputs,
      },
    })) as PublicKeyCredential;
  } catch (error) {
    throw new ScreenLockError(`The screen lock was not set up: ${(error as Error).message}`, 'failed');
  }
  if (prfOf(credential)?.enabled !== true) throw new ScreenLockError(UNSUPPORTED, 'unsupported');
  return { credentialId: new Uint8Array(credential.rawId), prfSalt };
}

/**
 * Ask the phone to verify the person and evaluate the PRF: the 32-byte output. Refuses an
 * assertion whose UV flag is not set (the authenticator did not verify the person).
 */
export async function screenLockPrf(credential: ScreenLockCredential): Promise<Uint8Array> {
  let assertion: PublicKeyCredential;
  try {
    assertion = (await navigator.credentials.get({
      publicKey: {
        rpId: location.hostname,
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        allowCredentials: [{ type: 'public-key', id: asBuffer(credential.credentialId), transports: ['internal'] }],
        userVerification: 'required',
        extensions: { prf: { eval: { first: asBuffer(credential.prfSalt) } } } as AuthenticationExtensionsClientInputs,
      },
    })) as PublicKeyCredential;
  } catch (error) {
    throw new ScreenLockError(
      "The phone's screen lock did not unlock your keys (cancelled, or the person was not verified). If Pairkey's passkey was deleted from this phone, use the app PIN.",
      (error as Error).name === 'NotAllowedError' ? 'not-verified' : 'failed',
    );
  }
  const authenticatorData = new Uint8Array((assertion.response as AuthenticatorAssertionResponse).authenticatorData);
  // Flags byte after the 32-byte rpIdHash; bit 2 is UV (WebAuthn §6.1).
  if (((authenticatorData[32] ?? 0) & 0x04) === 0) throw new ScreenLockError("The phone's screen lock did not verify you.", 'not-verified');
  const first = prfOf(assertion)?.results?.first;
  if (!first) throw new ScreenLockError(UNSUPPORTED, 'unsupported');
  return toBytes(first);
}
