// The PRF client extension (WebAuthn L3 §10.1.4), client side: check the site's inputs, hash the
// salts the way the spec says (so the phone never sees the site's raw inputs, and a site cannot
// ask for a salt some other protocol uses), and shape the outputs.
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, fromB64url, toB64url, utf8Encode } from '../../shared/bytes.ts';
import { WebAuthnError } from '../../shared/errors.ts';

export interface PrfValuesB64 {
  first: string;
  second?: string;
}

/** The spec's SyntaxError for bad evalByCredential keys (not one of the ceremony errors). */
export class PrfSyntaxError extends Error {
  override readonly name = 'SyntaxError';
}

const PRF_CONTEXT = utf8Encode('WebAuthn PRF');

/** SHA-256("WebAuthn PRF" ‖ 0x00 ‖ input), base64url. */
function salt(input: unknown, path: string): string {
  if (!(input instanceof Uint8Array)) throw new WebAuthnError('TypeError', `${path} must be a BufferSource`);
  return toB64url(sha256(concatBytes(PRF_CONTEXT, new Uint8Array([0]), input)));
}

function values(input: unknown, path: string): PrfValuesB64 {
  if (!input || typeof input !== 'object') throw new WebAuthnError('TypeError', `${path} must be an object`);
  const v = input as { first?: unknown; second?: unknown };
  return { first: salt(v.first, `${path}.first`), ...(v.second === undefined ? {} : { second: salt(v.second, `${path}.second`) }) };
}

/** The site asked for PRF at registration: what goes to a phone that supports it. */
export function prfCreateInputs(prf: unknown): { eval?: PrfValuesB64 } | null {
  if (prf === undefined) return null;
  if (!prf || typeof prf !== 'object') throw new WebAuthnError('TypeError', 'extensions.prf must be an object');
  const p = prf as { eval?: unknown; evalByCredential?: unknown };
  // §10.1.4: evalByCredential makes no sense before the credential exists.
  if (p.evalByCredential !== undefined) throw new WebAuthnError('NotSupportedError', 'extensions.prf.evalByCredential is not allowed in create()');
  return p.eval === undefined ? {} : { eval: values(p.eval, 'extensions.prf.eval') };
}

/** The site asked for PRF at sign-in: salts, per credential where the site gave them. */
export function prfGetInputs(prf: unknown, allowCredentials: string[]): { eval?: PrfValuesB64; evalByCredential?: Record<string, PrfValuesB64> } | null {
  if (prf === undefined) return null;
  if (!prf || typeof prf !== 'object') throw new WebAuthnError('TypeError', 'extensions.prf must be an object');
  const p = prf as { eval?: unknown; evalByCredential?: unknown };
  const out: { eval?: PrfValuesB64; evalByCredential?: Record<string, PrfValuesB64> } = {};
  if (p.eval !== undefined) out.eval = values(p.eval, 'extensions.prf.eval');
  if (p.evalByCredential !== undefined) {
    if (!p.evalByCredential || typeof p.evalByCredential !== 'object') throw new WebAuthnError('TypeError', 'extensions.prf.evalByCredential must be an object');
    const entries = Object.entries(p.evalByCredential);
    if (entries.length > 0 && allowCredentials.length === 0) {
      throw new WebAuthnError('NotSupportedError', 'extensions.prf.evalByCredential needs allowCredentials');
    }
    out.evalByCredential = {};
    for (const [key, value] of entries) {
      let id: string;
      try {
        id = toB64url(fromB64url(key));
      } catch {
        throw new PrfSyntaxError(`extensions.prf.evalByCredential key ${JSON.stringify(key)} is not base64url`);
      }
      if (key === '' || !allowCredentials.includes(id)) throw new PrfSyntaxError(`extensions.prf.evalByCredential key ${JSON.stringify(key)} is not in allowCredentials`);
      out.evalByCredential[id] = values(value, `extensions.prf.evalByCredential.${key}`);
    }
  }
  return out;
}
