// The largeBlob client extension (WebAuthn L3 §10.1.5), client side: check the site's inputs
// the way Chromium does (the site sees Chromium's errors), say what goes to a phone that
// announced largeBlob, and shape the outputs. The blob itself is stored by the phone with the
// credential (phone/core), written only with an assertion the person approved.
import { LARGE_BLOB_MAX_BYTES } from '../../shared/authenticator/core.ts';
import { toB64url } from '../../shared/bytes.ts';
import { WebAuthnError } from '../../shared/errors.ts';

export type LargeBlobSupport = 'required' | 'preferred';

/** What create() asks of the phone: nothing, or to make a credential that can hold a blob. */
export interface LargeBlobCreate {
  support: LargeBlobSupport;
}

/** What get() asks of the phone: read the blob, or replace it with `write` (base64url). */
export type LargeBlobGet = { read: true } | { write: string };

function record(value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new WebAuthnError('TypeError', 'extensions.largeBlob must be an object');
  return value as Record<string, unknown>;
}

/** create(): `support` ('preferred' unless 'required'; an unknown value counts as absent, as WebIDL enums in a DOMString member do). */
export function largeBlobCreateInputs(input: unknown): LargeBlobCreate | null {
  if (input === undefined) return null;
  const l = record(input);
  if (l.read !== undefined || l.write !== undefined) {
    throw new WebAuthnError('NotSupportedError', "The largeBlob extension's read and write cannot be used when creating a credential");
  }
  return { support: l.support === 'required' ? 'required' : 'preferred' };
}

/**
 * A blob lives with a discoverable credential only (CTAP 2.1's largeBlobKey), so `support:
 * 'required'` without a resident key can be met by no authenticator: Chromium finds none and the
 * call ends NotAllowedError; so does Pairkey's, without asking the phone.
 */
export function assertLargeBlobSatisfiable(asked: LargeBlobCreate | null, residentKey: 'discouraged' | 'preferred' | 'required'): void {
  if (asked?.support === 'required' && residentKey === 'discouraged') {
    throw new WebAuthnError('NotAllowedError', 'No authenticator can keep a large blob for a credential that is not discoverable');
  }
}

/** get(): exactly one of read / write; a write names exactly one allowed credential. */
export function largeBlobGetInputs(input: unknown, allowCredentials: number): LargeBlobGet | null {
  if (input === undefined) return null;
  const l = record(input);
  if (l.support !== undefined) throw new WebAuthnError('NotSupportedError', "The largeBlob extension's support is only for creating a credential");
  const read = l.read === undefined ? false : Boolean(l.read);
  const write = l.write;
  if (read && write !== undefined) throw new WebAuthnError('NotSupportedError', "Only one of the largeBlob extension's read and write may be given");
  if (write !== undefined) {
    if (!(write instanceof Uint8Array)) throw new WebAuthnError('TypeError', 'extensions.largeBlob.write must be a BufferSource');
    if (allowCredentials !== 1) throw new WebAuthnError('NotSupportedError', "The largeBlob extension's write needs exactly one credential in allowCredentials");
    return { write: toB64url(write) };
  }
  return read ? { read: true } : null;
}

/**
 * Whether the operation goes to the phone: a blob larger than a phone keeps is not sent (the
 * assertion still happens, and the site learns `written: false`).
 */
export function largeBlobForPhone(asked: LargeBlobGet): boolean {
  return !('write' in asked) || Math.floor((asked.write.length * 3) / 4) <= LARGE_BLOB_MAX_BYTES;
}

/** create()'s client extension result. */
export function largeBlobCreateResult(reply: { largeBlob?: { supported: boolean } }): { supported: boolean } {
  return { supported: reply.largeBlob?.supported === true };
}

/** get()'s client extension result: the blob (base64url, made an ArrayBuffer by the page) or whether it was written. */
export function largeBlobGetResult(asked: LargeBlobGet, reply: { largeBlob?: { blob?: string } | { written: boolean } }): { blob?: string } | { written: boolean } {
  const answer = reply.largeBlob;
  if ('write' in asked) return { written: answer !== undefined && 'written' in answer && answer.written === true };
  return answer && 'blob' in answer && typeof answer.blob === 'string' ? { blob: answer.blob } : {};
}
