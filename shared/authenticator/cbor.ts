// Thin CBOR layer over cborg for the authenticator's wire structures (attestation objects,
// COSE keys, authenticator extensions).
//
// Encoding follows the CTAP2 canonical form (CTAP 2.1 §8 "Message Encoding"): shortest integer
// and length encodings, definite lengths only, and map keys sorted length-first then bytewise
// (the RFC 7049 rule). That is cborg's default ordering, so we only have to make sure integer
// map keys (COSE labels) are passed as a Map, not as object properties that JS would turn into
// strings.
//
// Decoding is strict and bounded because the bytes can come from another device: cborg itself
// recurses once per nesting level, so a structural pre-scan (iterative, linear in the input)
// enforces size, depth and item limits before cborg builds any value. Any failure surfaces as a
// CborError with a message, never as a raw RangeError/TypeError from deep inside a library.
import { decode, encode, Tokenizer, Type, type DecodeOptions } from 'cborg';
import { copyBytes } from '../bytes.ts';

export class CborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CborError';
  }
}

export interface CborLimits {
  /** Largest input accepted, in bytes (default 64 KiB: attestation objects are ~300 B). */
  maxBytes?: number;
  /** Deepest container nesting (default 16; a COSE key is depth 1, an attestation object 2). */
  maxDepth?: number;
  /** Most data items in total (default 4096). */
  maxItems?: number;
}

const DEFAULT_LIMITS: Required<CborLimits> = { maxBytes: 64 * 1024, maxDepth: 16, maxItems: 4096 };

// strict: reject non-shortest integers/lengths (CTAP2 canonical); no indefinite lengths, no
// undefined, no NaN/Infinity, no bignums; duplicate map keys rejected; maps decoded as Map so
// integer keys survive (COSE). No tag decoders are registered, so every tag is rejected.
const DECODE_OPTIONS: DecodeOptions = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  allowBigInt: false,
  useMaps: true,
  rejectDuplicateMapKeys: true,
  tags: {},
};

/** Encode a value in CTAP2 canonical CBOR. Use a Map for integer keys (COSE). */
export function cborEncode(value: unknown): Uint8Array {
  try {
    return encode(value);
  } catch (err) {
    throw new CborError(`CBOR encode failed: ${errorMessage(err)}`);
  }
}

/** Decode exactly one CBOR item that fills `bytes` completely. Maps come back as `Map`. */
export function cborDecode(bytes: Uint8Array, limits?: CborLimits): unknown {
  const { value, length } = cborDecodeFirst(bytes, limits);
  if (length !== bytes.length) {
    throw new CborError(`CBOR decode failed: ${bytes.length - length} trailing byte(s) after the item`);
  }
  return value;
}

/**
 * Decode the first CBOR item in `bytes` and report how many bytes it used. authenticatorData
 * needs this: the COSE key inside attested credential data has no length prefix and may be
 * followed by the extensions map.
 */
export function cborDecodeFirst(bytes: Uint8Array, limits?: CborLimits): { value: unknown; length: number } {
  if (!(bytes instanceof Uint8Array)) throw new CborError('CBOR decode failed: input is not a Uint8Array');
  const lim = { ...DEFAULT_LIMITS, ...limits };
  if (bytes.length === 0) throw new CborError('CBOR decode failed: empty input');
  if (bytes.length > lim.maxBytes) {
    throw new CborError(`CBOR decode failed: input of ${bytes.length} bytes exceeds the ${lim.maxBytes}-byte limit`);
  }
  try {
    const length = scanFirstItem(bytes, lim);
    return { value: decode(bytes.subarray(0, length), DECODE_OPTIONS), length };
  } catch (err) {
    if (err instanceof CborError) throw err;
    throw new CborError(`CBOR decode failed: ${errorMessage(err)}`);
  }
}

/**
 * Walk the token stream of the first item without building values: an explicit stack of
 * "children still expected" per open container keeps it iterative, so hostile nesting cannot
 * blow the call stack, and a claimed length larger than the input just runs out of data.
 * Returns the item's encoded length.
 */
function scanFirstItem(bytes: Uint8Array, lim: Required<CborLimits>): number {
  const tokenizer = new Tokenizer(bytes, DECODE_OPTIONS);
  const pending: number[] = [];
  let items = 0;
  do {
    if (tokenizer.done()) throw new CborError('CBOR decode failed: input ends inside an item');
    const token = tokenizer.next();
    if (++items > lim.maxItems) throw new CborError(`CBOR decode failed: more than ${lim.maxItems} items`);
    if (pending.length > 0) pending[pending.length - 1]! -= 1;
    let children = 0;
    if (token.type === Type.array) children = Number(token.value);
    else if (token.type === Type.map) children = Number(token.value) * 2;
    else if (token.type === Type.tag) children = 1;
    else if (token.type === Type.break) throw new CborError('CBOR decode failed: unexpected break');
    if (children > 0) {
      pending.push(children);
      if (pending.length > lim.maxDepth) {
        throw new CborError(`CBOR decode failed: nesting deeper than ${lim.maxDepth}`);
      }
    }
    while (pending.length > 0 && pending[pending.length - 1] === 0) pending.pop();
  } while (pending.length > 0);
  return tokenizer.pos();
}

function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^CBOR decode error:\s*/, '');
}

// Small typed readers for decoded maps: decoded values are `unknown`, and every structure we
// parse (attestation objects, COSE keys) needs the same "field present with the right type"
// checks with a clear error.

export function asCborMap(value: unknown, what: string): Map<unknown, unknown> {
  if (!(value instanceof Map)) throw new CborError(`${what}: expected a CBOR map`);
  return value;
}

export function mapBytes(map: Map<unknown, unknown>, key: string | number, what: string): Uint8Array {
  const v = map.get(key);
  if (!(v instanceof Uint8Array)) throw new CborError(`${what}: member ${String(key)} must be a byte string`);
  return copyBytes(v);
}

export function mapInt(map: Map<unknown, unknown>, key: string | number, what: string): number {
  const v = map.get(key);
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new CborError(`${what}: member ${String(key)} must be an integer`);
  }
  return v;
}

export function mapText(map: Map<unknown, unknown>, key: string | number, what: string): string {
  const v = map.get(key);
  if (typeof v !== 'string') throw new CborError(`${what}: member ${String(key)} must be a text string`);
  return v;
}
