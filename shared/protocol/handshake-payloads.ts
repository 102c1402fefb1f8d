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

export function checkDeviceName(name: string | undefined): void {
  if (name !== undefined) checkSchema(DeviceName, name, 'device name');
}

export function encodeJsonPayload(value: object): Uint8Array {
  return utf8Encode(JSON.stringify(value));
}

export function decodeJsonPayload(bytes: Uint8Array, what: string): unknown {
  if (bytes.length > MAX_HANDSHAKE_PAYLOAD_BYTES) throw new ProtocolError('too-large', `The ${what} exceeds ${MAX_HANDSHAKE_PAYLOAD_BYTES} bytes.`);
  try {
    return JSON.parse(utf8Decode(bytes));
  } catch (cause) {
    throw new ProtocolError('malformed', `The ${what} is not valid UTF-8 JSON.`, { cause });
  }
}
