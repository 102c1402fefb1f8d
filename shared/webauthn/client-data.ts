// CollectedClientData (WebAuthn L3 §5.8.1) and its "limited verification" serialisation
// (§5.8.1.1): a fixed key order and the CCDToString string encoding, so the bytes equal what a
// browser emits for the same inputs and RPs that match a template keep working.
import { fromB64url, toB64url, utf8Encode } from '../bytes.ts';
import { WebAuthnError } from '../errors.ts';

export type ClientDataType = 'webauthn.create' | 'webauthn.get';

export interface ClientDataInput {
  type: ClientDataType;
  challenge: Uint8Array;
  origin: string;
  crossOrigin: boolean;
  /** Only serialised when crossOrigin is true (it describes the embedding top-level page). */
  topOrigin?: string;
}

export interface ParsedClientData {
  type: ClientDataType;
  challenge: Uint8Array;
  origin: string;
  crossOrigin?: boolean;
  topOrigin?: string;
}

/** §5.8.1.1 serialisation: type, challenge, origin, crossOrigin, then topOrigin if cross-origin. */
export function buildClientDataJSON(input: ClientDataInput): Uint8Array {
  if (input.type !== 'webauthn.create' && input.type !== 'webauthn.get') fail('clientData type must be webauthn.create or webauthn.get');
  if (!(input.challenge instanceof Uint8Array)) fail('clientData challenge must be a Uint8Array');
  if (typeof input.origin !== 'string') fail('clientData origin must be a string');
  let text =
    '{"type":' +
    ccdToString(input.type) +
    ',"challenge":' +
    ccdToString(toB64url(input.challenge)) +
    ',"origin":' +
    ccdToString(input.origin) +
    ',"crossOrigin":' +
    (input.crossOrigin ? 'true' : 'false');
  if (input.crossOrigin && input.topOrigin !== undefined) {
    if (typeof input.topOrigin !== 'string') fail('clientData topOrigin must be a string');
    text += ',"topOrigin":' + ccdToString(input.topOrigin);
  }
  return utf8Encode(text + '}');
}

/**
 * CCDToString (§5.8.1.1): quote the string; escape '"' and '\' with a backslash; escape the
 * other code points below U+0020 as \u00XX with lowercase hex; everything else verbatim. Unlike
 * JSON.stringify, no short forms (\n, \t) are used.
 */
export function ccdToString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x22) out += '\\"';
    else if (cp === 0x5c) out += '\\\\';
    else if (cp < 0x20) out += '\\u00' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

const MAX_CLIENT_DATA_BYTES = 64 * 1024;

/** Parse and validate clientDataJSON bytes; TypeError on anything malformed. */
export function parseClientDataJSON(bytes: Uint8Array): ParsedClientData {
  if (!(bytes instanceof Uint8Array)) fail('clientDataJSON must be a Uint8Array');
  if (bytes.length > MAX_CLIENT_DATA_BYTES) fail('clientDataJSON is too large');
  let parsed: unknown;
  try {
    // Fatal decoding: a byte sequence that is not UTF-8 is not client data.
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    fail('clientDataJSON is not valid UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('clientDataJSON must be a JSON object');
  const o = parsed as Record<string, unknown>;
  if (o.type !== 'webauthn.create' && o.type !== 'webauthn.get') fail('clientDataJSON.type must be webauthn.create or webauthn.get');
  // An empty challenge is allowed: Chromium sends one when the site asks with an empty challenge.
  if (typeof o.challenge !== 'string' || !/^[A-Za-z0-9_-]*$/.test(o.challenge)) {
    fail('clientDataJSON.challenge must be a base64url string');
  }
  let challenge: Uint8Array;
  try {
    challenge = fromB64url(o.challenge);
  } catch {
    fail('clientDataJSON.challenge is not valid base64url');
  }
  if (typeof o.origin !== 'string' || o.origin === '') fail('clientDataJSON.origin must be a non-empty string');
  const out: ParsedClientData = { type: o.type, challenge, origin: o.origin };
  if (o.crossOrigin !== undefined) {
    if (typeof o.crossOrigin !== 'boolean') fail('clientDataJSON.crossOrigin must be a boolean');
    out.crossOrigin = o.crossOrigin;
  }
  if (o.topOrigin !== undefined) {
    if (typeof o.topOrigin !== 'string') fail('clientDataJSON.topOrigin must be a string');
    if (o.crossOrigin !== true) fail('clientDataJSON.topOrigin is only valid when crossOrigin is true');
    out.topOrigin = o.topOrigin;
  }
  return out;
}

function fail(message: string): never {
  throw new WebAuthnError('TypeError', message);
}
