// Wire framing of the binary WebSocket messages the relay forwards, and the length padding of
// transport plaintexts. Pure byte layout; no cryptography here.
import { ProtocolError } from './errors.ts';

export type FrameKind = 'handshake-init' | 'handshake-reply' | 'transport';

const KIND_TO_BYTE: Record<FrameKind, number> = {
  'handshake-init': 0x01,
  'handshake-reply': 0x02,
  transport: 0x03,
};
const BYTE_TO_KIND = new Map<number, FrameKind>(
  (Object.entries(KIND_TO_BYTE) as [FrameKind, number][]).map(([kind, byte]) => [byte, kind]),
);

/** Whole frame, kind byte included. The relay may enforce the same limit. */
export const MAX_FRAME_BYTES = 65536;
/** Padded plaintexts are a multiple of this, so lengths leak only in 256-byte steps. */
export const PADDING_BLOCK = 256;
const LENGTH_PREFIX_BYTES = 4;
const AEAD_TAG_BYTES = 16;
/** Largest padded plaintext that still fits a frame: kind byte and AEAD tag come on top. */
export const MAX_PADDED_PLAINTEXT_BYTES =
  Math.floor((MAX_FRAME_BYTES - 1 - AEAD_TAG_BYTES) / PADDING_BLOCK) * PADDING_BLOCK;
/** Largest payload (encoded channel message) one transport frame can carry. */
export const MAX_PAYLOAD_BYTES = MAX_PADDED_PLAINTEXT_BYTES - LENGTH_PREFIX_BYTES;

export interface Frame {
  kind: FrameKind;
  body: Uint8Array;
}

export function encodeFrame(kind: FrameKind, body: Uint8Array): Uint8Array {
  const byte = KIND_TO_BYTE[kind];
  if (byte === undefined) throw new ProtocolError('malformed', `Unknown frame kind "${String(kind)}".`);
  if (body.length === 0) throw new ProtocolError('malformed', 'A frame body cannot be empty.');
  if (1 + body.length > MAX_FRAME_BYTES) {
    throw new ProtocolError('too-large', `A frame may not exceed ${MAX_FRAME_BYTES} bytes (this one would be ${1 + body.length}).`);
  }
  const frame = new Uint8Array(1 + body.length);
  frame[0] = byte;
  frame.set(body, 1);
  return frame;
}

/** Parse a received binary message. The body is a view into `bytes`, not a copy. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('malformed', 'A frame must be binary data.');
  if (bytes.length > MAX_FRAME_BYTES) {
    throw new ProtocolError('too-large', `A frame may not exceed ${MAX_FRAME_BYTES} bytes (got ${bytes.length}).`);
  }
  if (bytes.length < 2) throw new ProtocolError('malformed', 'A frame needs a kind byte and a non-empty body.');
  const kind = BYTE_TO_KIND.get(bytes[0]!);
  if (!kind) throw new ProtocolError('malformed', `Unknown frame kind byte 0x${bytes[0]!.toString(16).padStart(2, '0')}.`);
  return { kind, body: bytes.subarray(1) };
}

/**
 * `[u32 BE length][payload][zeros]`, padded up to the next multiple of 256 bytes, so an observer
 * of ciphertext sizes learns only a coarse size class (e.g. not which RP id length was used).
 */
export function padPlaintext(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new ProtocolError('too-large', `A message may not exceed ${MAX_PAYLOAD_BYTES} bytes once encoded (this one is ${payload.length}).`);
  }
  const total = Math.ceil((LENGTH_PREFIX_BYTES + payload.length) / PADDING_BLOCK) * PADDING_BLOCK;
  const padded = new Uint8Array(total); // zero-filled: the padding
  new DataView(padded.buffer).setUint32(0, payload.length, false);
  padded.set(payload, LENGTH_PREFIX_BYTES);
  return padded;
}

/** Inverse of padPlaintext; refuses anything padPlaintext would not have produced. */
export function unpadPlaintext(padded: Uint8Array): Uint8Array {
  if (padded.length === 0 || padded.length % PADDING_BLOCK !== 0) {
    throw new ProtocolError('malformed', `A padded plaintext must be a non-zero multiple of ${PADDING_BLOCK} bytes (got ${padded.length}).`);
  }
  const length = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0, false);
  if (length > padded.length - LENGTH_PREFIX_BYTES) {
    throw new ProtocolError('malformed', `The length prefix (${length}) does not fit the ${padded.length}-byte padded plaintext.`);
  }
  const end = LENGTH_PREFIX_BYTES + length;
  // Exactly the minimal padding: more than one spare block means the sender did not follow the rule.
  if (padded.length - end >= PADDING_BLOCK) throw new ProtocolError('malformed', 'The plaintext carries more padding than allowed.');
  for (let i = end; i < padded.length; i++) {
    if (padded[i] !== 0) throw new ProtocolError('malformed', 'The padding of the plaintext is not all zeros.');
  }
  return padded.slice(LENGTH_PREFIX_BYTES, end);
}
