import { describe, expect, it } from 'vitest';
import { toB64url, utf8Encode } from '../bytes.ts';
import { Value } from '@sinclair/typebox/value';
import {
  decodeChannelMessage,
  encodeChannelMessage,
  isPhoneReply,
  isPhoneRequest,
  parseChannelMessage,
  PhoneReplySchema,
  PhoneRequestSchema,
  type ChannelMessage,
} from './messages.ts';
import { sampleCredentialCreated, sampleGetAssertion, sampleMakeCredential, sampleMessages } from '../testing/protocol-samples.ts';

const schemaError = (path: RegExp | string) =>
  expect.objectContaining({ code: 'schema', message: expect.stringMatching(typeof path === 'string' ? new RegExp(`at ${path}[: ]`) : path) });

/** Bypass the static types: these tests feed what a hostile peer could send. */
const loose = (value: unknown) => value as ChannelMessage;

describe('channel messages', () => {
  it('accepts one valid message of every type and round-trips it through bytes', () => {
    const messages = sampleMessages();
    expect(new Set(messages.map((m) => m.type)).size).toBe(9);
    for (const message of messages) {
      expect(parseChannelMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
      expect(decodeChannelMessage(encodeChannelMessage(message))).toEqual(message);
    }
  });

  it('refuses a push subscription that is not https or whose keys are malformed', () => {
    const keys = { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) };
    expect(() => parseChannelMessage({ type: 'push-subscription', subscription: { endpoint: 'http://push.example/1', ...keys } })).toThrow(schemaError('/subscription'));
    expect(() => parseChannelMessage({ type: 'push-subscription', subscription: { endpoint: 'https://push.example/1', ...keys, auth: 'short' } })).toThrow(schemaError('/subscription'));
  });

  it('accepts a null userHandle and a message without optional transports', () => {
    const m = sampleMakeCredential();
    m.excludeCredentials = [{ type: 'public-key', id: 'AQID' }];
    expect(parseChannelMessage(m)).toEqual(m);
  });

  it('names the failing path for a make-credential message with missing fields', () => {
    const { rp: _rp, ...noRp } = sampleMakeCredential();
    expect(() => parseChannelMessage(noRp)).toThrow(schemaError('/rp'));
    expect(() => parseChannelMessage({ type: 'make-credential', id: 'x' })).toThrow(expect.objectContaining({ code: 'schema' }));
    const badUser = sampleMakeCredential();
    (badUser.user as { id: unknown }).id = 42;
    expect(() => parseChannelMessage(badUser)).toThrow(schemaError('/user/id'));
  });

  it('refuses unknown types, non-objects and missing types', () => {
    expect(() => parseChannelMessage({ type: 'launch-missiles', id: '1' })).toThrow(schemaError('/type'));
    expect(() => parseChannelMessage({ id: '1' })).toThrow(schemaError('/type'));
    expect(() => parseChannelMessage([sampleGetAssertion()])).toThrow(schemaError('/'));
    expect(() => parseChannelMessage(null)).toThrow(schemaError('/'));
    expect(() => parseChannelMessage({ type: '__proto__' })).toThrow(schemaError('/type'));
  });

  it('accepts unpair without members and refuses it with any', () => {
    expect(parseChannelMessage({ type: 'unpair' })).toEqual({ type: 'unpair' });
    expect(() => parseChannelMessage({ type: 'unpair', id: 'req-1' })).toThrow(schemaError('/id'));
  });

  it('refuses extra properties, at the top and nested', () => {
    expect(() => parseChannelMessage({ ...sampleGetAssertion(), origin: 'https://evil.example' })).toThrow(expect.objectContaining({ code: 'schema' }));
    const m = sampleMakeCredential();
    (m.extensions as Record<string, unknown>).devicePubKey = {};
    expect(() => parseChannelMessage(m)).toThrow(schemaError('/extensions/devicePubKey'));
  });

  const sampleAssertion = () => sampleMessages().find((m) => m.type === 'assertion')!;

  it('carries largeBlob: support at creation, a read or a write of at most 4 KiB, and their answers', () => {
    const create = sampleMakeCredential();
    create.extensions = { largeBlob: { support: 'required' } };
    expect(parseChannelMessage(create)).toEqual(create);
    expect(() => parseChannelMessage({ ...create, extensions: { largeBlob: { support: 'maybe' } } })).toThrow(expect.objectContaining({ code: 'schema' }));
    const blob = toB64url(new Uint8Array(4096).fill(1));
    for (const largeBlob of [{ read: true }, { write: blob }]) {
      const get = { ...sampleGetAssertion(), extensions: { largeBlob } };
      expect(parseChannelMessage(get)).toEqual(get);
    }
    for (const largeBlob of [{ read: false }, { read: true, write: blob }, { write: toB64url(new Uint8Array(4097)) }]) {
      expect(() => parseChannelMessage({ ...sampleGetAssertion(), extensions: { largeBlob } })).toThrow(expect.objectContaining({ code: 'schema' }));
    }
    expect(parseChannelMessage({ ...sampleCredentialCreated(), largeBlob: { supported: true } })).toMatchObject({ largeBlob: { supported: true } });
    for (const largeBlob of [{ blob }, {}, { written: false }]) {
      expect(parseChannelMessage({ ...sampleAssertion(), largeBlob })).toMatchObject({ largeBlob });
    }
    expect(() => parseChannelMessage({ ...sampleAssertion(), largeBlob: { blob, written: true } })).toThrow(expect.objectContaining({ code: 'schema' }));
  });

  it('carries PRF salts and results of exactly 32 bytes, per credential when asked', () => {
    const salt = toB64url(new Uint8Array(32).fill(7));
    const create = sampleMakeCredential();
    create.extensions = { prf: { eval: { first: salt } } };
    expect(parseChannelMessage(create)).toEqual(create);
    const get = { ...sampleGetAssertion(), extensions: { prf: { eval: { first: salt, second: salt }, evalByCredential: { AQID: { first: salt } } } } };
    expect(parseChannelMessage(get)).toEqual(get);
    expect(parseChannelMessage({ ...sampleCredentialCreated(), prf: { enabled: true, results: { first: salt } } })).toMatchObject({ prf: { enabled: true } });
    const short = toB64url(new Uint8Array(31));
    expect(() => parseChannelMessage({ ...sampleGetAssertion(), extensions: { prf: { eval: { first: short } } } })).toThrow(schemaError('/extensions/prf/eval/first'));
    expect(() => parseChannelMessage({ ...sampleGetAssertion(), extensions: { prf: { evalByCredential: { 'not base64!': { first: salt } } } } })).toThrow(expect.objectContaining({ code: 'schema' }));
  });

  it('accepts hello with a short list of extension names', () => {
    expect(parseChannelMessage({ type: 'hello', extensions: [] })).toEqual({ type: 'hello', extensions: [] });
    expect(() => parseChannelMessage({ type: 'hello', extensions: ['x'.repeat(33)] })).toThrow(schemaError('/extensions/0'));
  });

  it('enforces base64url without padding, and length limits', () => {
    const padded = sampleCredentialCreated();
    padded.credentialId = 'AQID==';
    expect(() => parseChannelMessage(padded)).toThrow(schemaError('/credentialId'));
    const standard = sampleCredentialCreated();
    standard.attestationObject = 'ab+/';
    expect(() => parseChannelMessage(standard)).toThrow(schemaError('/attestationObject'));
    const impossible = sampleCredentialCreated();
    impossible.credentialId = 'AAAAA'; // 5 chars: no byte string encodes to this
    expect(() => parseChannelMessage(impossible)).toThrow(schemaError('/credentialId'));
    const longUserId = sampleMakeCredential();
    longUserId.user.id = 'A'.repeat(87); // > 64 bytes
    expect(() => parseChannelMessage(longUserId)).toThrow(schemaError('/user/id'));
    expect(() => parseChannelMessage({ type: 'cancel', id: '' })).toThrow(schemaError('/id'));
    expect(() => parseChannelMessage({ type: 'cancel', id: 'x'.repeat(65) })).toThrow(schemaError('/id'));
  });

  it('only accepts WebAuthn error names from shared/errors.ts', () => {
    expect(() => parseChannelMessage({ type: 'error', id: '1', name: 'EvilError', message: '' })).toThrow(schemaError('/name'));
    expect(parseChannelMessage({ type: 'error', id: '1', name: 'TypeError', message: 'bad' })).toMatchObject({ name: 'TypeError' });
  });

  it('checks enums and integers', () => {
    expect(() => parseChannelMessage({ ...sampleGetAssertion(), userVerification: 'sometimes' })).toThrow(schemaError('/userVerification'));
    expect(() => parseChannelMessage({ ...sampleGetAssertion(), timeout: 600_001 })).toThrow(schemaError('/timeout'));
    expect(() => parseChannelMessage({ ...sampleGetAssertion(), timeout: '60000' })).toThrow(schemaError('/timeout'));
    expect(() => parseChannelMessage({ ...sampleGetAssertion(), publicKeyAlgorithm: 1 })).toThrow(expect.objectContaining({ code: 'schema' }));
    expect(() => parseChannelMessage({ ...sampleCredentialCreated(), publicKeyAlgorithm: -7.5 })).toThrow(schemaError('/publicKeyAlgorithm'));
    expect(() => parseChannelMessage({ ...sampleGetAssertion(), timeout: 0 })).toThrow(schemaError('/timeout'));
  });

  it('refuses to encode an invalid message', () => {
    expect(() => encodeChannelMessage(loose({ type: 'cancel' }))).toThrow(schemaError('/id'));
  });

  it('decodes only UTF-8 JSON', () => {
    expect(() => decodeChannelMessage(new Uint8Array([0xff, 0xfe]))).toThrow(expect.objectContaining({ code: 'malformed' }));
    expect(() => decodeChannelMessage(utf8Encode('{"type":'))).toThrow(expect.objectContaining({ code: 'malformed' }));
    expect(() => decodeChannelMessage(utf8Encode('"cancel"'))).toThrow(expect.objectContaining({ code: 'schema' }));
  });

  it('a phone request is a make-credential or get-assertion message, a phone reply one of the three answers', () => {
    const byType = new Map(sampleMessages().map((m) => [m.type, m]));
    const requests = [...byType.values()].filter(isPhoneRequest).map((m) => m.type);
    const replies = [...byType.values()].filter(isPhoneReply).map((m) => m.type);
    expect(requests.sort()).toEqual(['get-assertion', 'make-credential']);
    expect(replies.sort()).toEqual(['assertion', 'credential-created', 'error']);
    // The schemas agree with the predicates, message by message.
    for (const message of byType.values()) {
      expect(Value.Check(PhoneRequestSchema, message)).toBe(isPhoneRequest(message));
      expect(Value.Check(PhoneReplySchema, message)).toBe(isPhoneReply(message));
    }
  });
});
