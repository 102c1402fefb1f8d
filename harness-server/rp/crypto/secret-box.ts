// AES-256-GCM for secrets the server must read back (TOTP/HOTP seeds cannot be hashed: the
// server computes codes from them). Stored as nonce(12) || ciphertext || tag(16). The AAD
// binds a ciphertext to its owner and purpose, so a row copied to another user fails to open.
import { gcm } from '@noble/ciphers/aes.js';
import { randomBytes } from 'node:crypto';
import { concatBytes, utf8Encode } from '../../../shared/bytes.ts';

const NONCE_BYTES = 12;

export class SecretBox {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
    this.#key = key;
  }

  seal(plaintext: Uint8Array, context: string): Uint8Array {
    const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
    return concatBytes(nonce, gcm(this.#key, nonce, utf8Encode(context)).encrypt(plaintext));
  }

  /** Throws when the ciphertext was altered, moved to another context or sealed under another key. */
  open(sealed: Uint8Array, context: string): Uint8Array {
    const nonce = sealed.subarray(0, NONCE_BYTES);
    return gcm(this.#key, nonce, utf8Encode(context)).decrypt(sealed.subarray(NONCE_BYTES));
  }
}
