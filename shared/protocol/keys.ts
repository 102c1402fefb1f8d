// X25519 static key pairs: the long-term identity of a phone or an extension install.
// Key generation and the DH function come from @noble/curves (audited); nothing here is
// more than length checks around it.
import { x25519 } from '@noble/curves/ed25519.js';
import { ProtocolError } from './errors.ts';

export const X25519_KEY_BYTES = 32;

export interface StaticKeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** A fresh random key pair (the private key is 32 bytes from the platform CSPRNG). */
export function generateStaticKeyPair(): StaticKeyPair {
  return staticKeyPairFromPrivate(x25519.utils.randomSecretKey());
}

/**
 * Rebuild a key pair from a stored private key. X25519 clamps the scalar itself, so any
 * 32 bytes are a valid private key (RFC 7748 §5); only the length is checked.
 */
export function staticKeyPairFromPrivate(privateKey: Uint8Array): StaticKeyPair {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== X25519_KEY_BYTES) {
    throw new ProtocolError('malformed', `An X25519 private key must be ${X25519_KEY_BYTES} bytes.`);
  }
  const copy = Uint8Array.from(privateKey);
  return { privateKey: copy, publicKey: x25519.getPublicKey(copy) };
}

/** Throws unless `key` has the shape of an X25519 public key. */
export function assertPublicKey(key: unknown, what = 'public key'): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_BYTES) {
    throw new ProtocolError('malformed', `The ${what} must be a ${X25519_KEY_BYTES}-byte X25519 key.`);
  }
}

/**
 * X25519 Diffie-Hellman. @noble/curves refuses low-order peer keys (all-zero output),
 * which Noise allows implementations to do (spec §12.1); we surface that as a handshake error.
 */
export function dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(privateKey, publicKey);
  } catch (cause) {
    throw new ProtocolError('handshake', 'The peer sent an invalid X25519 public key.', { cause });
  }
}
