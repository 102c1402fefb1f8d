// The one error type the protocol layer throws. Callers branch on `code`, never on the
// message text; the message is for the person reading a log or an error panel.

export const PROTOCOL_ERROR_CODES = [
  'malformed', // bytes or text that do not follow the wire format
  'version', // a well-formed thing from a protocol version we do not speak
  'expired', // a pairing offer used after its expiry
  'handshake', // a Noise handshake that failed (wrong key, wrong secret, tampering, misuse)
  'decrypt', // a transport frame that failed authentication (tampered, replayed, reordered)
  'too-large', // a frame or payload over the size limits
  'schema', // decrypted JSON that does not match the channel message schema
  'closed', // a channel used after an earlier failure killed it
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isProtocolError(value: unknown, code?: ProtocolErrorCode): value is ProtocolError {
  return value instanceof ProtocolError && (code === undefined || value.code === code);
}
