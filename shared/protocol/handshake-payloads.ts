// The small payloads carried inside handshake messages. They arrive from the other party before
// the session exists, so they are schema-checked like any other message.
import { Type } from '@sinclair/typebox';
import { utf8Decode, utf8Encode } from '../bytes.ts';
import { ProtocolError } from './errors.ts';
import { checkSchema } from './messages.ts';

/** A device label shown to the person: 1–64 characters, no control characters. */
const DeviceName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });

/** Pairing message 1 (phone → extension): proof of the QR secret, optional device label. */
export const PairingInitPayloadSchema = Type.Object(
  { proof: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), name: Type.Optional(DeviceName) },
  { additionalProperties: false },
);

/** Session message 1 (phone → extension): optional device label. */
export const SessionInitPayloadSchema = Type.Object({ name: Type.Optional(DeviceName) }, { additionalProperties: false });

export const MAX_HANDSHAKE_PAYLOAD_BYTES = 1024;

/**
 * Every JSON handshake payload is padded to exactly this many bytes: `u32be(len) ‖ json ‖ zeros`,
 * the same layout as transport padding (frames.ts). One fixed size rather than 256-byte steps,
 * because these payloads are small and bounded: the longest possible one (a 43-character proof
 * and a 64-character name of lone surrogates, each escaped to 6 bytes) is under 480 bytes. The
 * relay therefore learns nothing about the phone's name from the frame size (issue 20.6).
 */
export const HANDSHAKE_PAYLOAD_BYTES = 512;
const LENGTH_PREFIX_BYTES = 4;

export function checkDeviceName(name: string | undefined): void {
  if (name !== undefined) checkSchema(DeviceName, name, 'device name');
}

export function encodeJsonPayload(value: object): Uint8Array {
  const json = utf8Encode(JSON.stringify(value));
  if (json.length > HANDSHAKE_PAYLOAD_BYTES - LENGTH_PREFIX_BYTES) {
    throw new ProtocolError('too-large', `A handshake payload may hold at most ${HANDSHAKE_PAYLOAD_BYTES - LENGTH_PREFIX_BYTES} bytes of JSON.`);
  }
  const padded = new Uint8Array(HANDSHAKE_PAYLOAD_BYTES); // zero-filled: the padding
  new DataView(padded.buffer).setUint32(0, json.length, false);
  padded.set(json, LENGTH_PREFIX_BYTES);
  return padded;
}

export function decodeJsonPayload(bytes: Uint8Array, what: string): unknown {
  if (bytes.length > MAX_HANDSHAKE_PAYLOAD_BYTES) throw new ProtocolError('too-large', `The ${what} exceeds ${MAX_HANDSHAKE_PAYLOAD_BYTES} bytes.`);
  if (bytes.length !== HANDSHAKE_PAYLOAD_BYTES) throw new ProtocolError('malformed', `The ${what} is not padded to ${HANDSHAKE_PAYLOAD_BYTES} bytes.`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (length > HANDSHAKE_PAYLOAD_BYTES - LENGTH_PREFIX_BYTES) throw new ProtocolError('malformed', `The ${what} has a length prefix that does not fit.`);
  const end = LENGTH_PREFIX_BYTES + length;
  for (let i = end; i < bytes.length; i++) {
    if (bytes[i] !== 0) throw new ProtocolError('malformed', `The padding of the ${what} is not all zeros.`);
  }
  try {
    return JSON.parse(utf8Decode(bytes.subarray(LENGTH_PREFIX_BYTES, end)));
  } catch (cause) {
    throw new ProtocolError('malformed', `The ${what} is not valid UTF-8 JSON.`, { cause });
  }
}
