// Byte helpers shared by every runtime (Node, extension, phone browser).
// base64url without padding is the WebAuthn JSON encoding; @scure/base is audited.
import { base64urlnopad, utf8 } from '@scure/base';

export type Bytes = Uint8Array;

/** Encode bytes as unpadded base64url (WebAuthn Level 3 JSON form). */
export function toB64url(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/**
 * Decode unpadded base64url. Padding is tolerated because several libraries emit it;
 * anything else (standard base64 '+' '/', stray characters) throws.
 */
export function fromB64url(text: string): Uint8Array {
  return base64urlnopad.decode(text.replace(/=+$/, ''));
}

export function utf8Encode(text: string): Uint8Array {
  return utf8.decode(text);
}

export function utf8Decode(bytes: Uint8Array): string {
  return utf8.encode(bytes);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * A copy of `bytes` in memory of its own, as a plain Uint8Array. Not `bytes.slice()`: on a Node
 * Buffer (what Node's APIs and some CBOR paths hand over) slice() is a view of the same memory,
 * so a "copy" made that way changes when the caller wipes or reuses theirs.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Constant-time equality for secrets: runtime depends only on the lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Copy into a fresh ArrayBuffer of exactly the view's length (what WebAuthn returns). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

/** Accept any BufferSource and view it as bytes without copying. */
export function bufferSourceToBytes(source: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
}
