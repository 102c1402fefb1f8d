// The wire as the relay (or anyone on the path) can shape it: frames, padding, channel messages,
// the secure channel, and the first handshake message every responder has to read.
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { toB64url, utf8Encode } from '../../../shared/bytes.ts';
import {
  ChannelMessageSchema,
  CipherState,
  decodeChannelMessage,
  decodeFrame,
  encodeChannelMessage,
  encodeFrame,
  generateStaticKeyPair,
  HandshakeState,
  MAX_FRAME_BYTES,
  MAX_PAYLOAD_BYTES,
  padPlaintext,
  PAIRING_PATTERN,
  PairingInitiator,
  PairingResponder,
  pairingChannelId,
  parseChannelMessage,
  ReconnectInitiator,
  ReconnectResponder,
  SecureChannel,
  unpadPlaintext,
  type ChannelMessage,
  type PairingOffer,
  type StaticKeyPair,
} from '../../../shared/protocol/index.ts';
import { pairingProof, pairingPrologue, pairingPsk } from '../../../shared/protocol/derive.ts';
import { sampleMessages } from '../../../shared/testing/protocol-samples.ts';
import { anyBytes, anyValue, mutatedBytes, mutatedJsonText, mutatedValue } from '../support/arbitraries.ts';
import { cleanly, invariant, protocolError } from '../support/oracle.ts';
import { defineGroup, stateless } from '../support/registry.ts';

const frameErrors = protocolError('malformed', 'too-large');
const openErrors = protocolError('malformed', 'decrypt', 'too-large', 'schema');
const handshakeErrors = protocolError('handshake');

const samples = sampleMessages();
// A fresh copy per sample: a message handed to seal() or mutated must not be the next run's input.
const sample = fc.nat({ max: samples.length - 1 }).map((i) => sampleMessages()[i]!);
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Both ends of a session with the given transport keys (what Split() would hand out). */
function channelPair(k1: Uint8Array, k2: Uint8Array): { sender: SecureChannel; receiver: SecureChannel } {
  const h = new Uint8Array(32);
  return {
    sender: new SecureChannel(new CipherState(k1), new CipherState(k2), h),
    receiver: new SecureChannel(new CipherState(k2), new CipherState(k1), h),
  };
}

const sameMessage = (a: ChannelMessage, b: ChannelMessage) => JSON.stringify(a) === JSON.stringify(b);

export const wireGroup = stateless('Frames, padding, channel messages and the secure channel (shared/protocol)', [
  {
    name: 'decodeFrame accepts exactly 2..65536 bytes with a known kind, else malformed/too-large',
    cost: 'cheap',
    property: () =>
      fc.property(anyBytes(MAX_FRAME_BYTES), (bytes) => {
        const outcome = cleanly(() => decodeFrame(bytes), frameErrors);
        const valid = bytes.length >= 2 && bytes.length <= MAX_FRAME_BYTES && [1, 2, 3].includes(bytes[0]!);
        invariant(outcome.ok === valid, `accepted=${outcome.ok} for ${bytes.length} bytes, kind ${bytes[0]}`);
        return true;
      }),
  },
  {
    name: 'unpadPlaintext refuses anything padPlaintext would not produce; pad/unpad round-trips',
    cost: 'cheap',
    property: () =>
      fc.property(anyBytes(), fc.oneof(fc.uint8Array({ maxLength: 2000 }), anyBytes(MAX_PAYLOAD_BYTES)), (random, payload) => {
        cleanly(() => unpadPlaintext(random), protocolError('malformed'));
        const padded = cleanly(() => padPlaintext(payload), protocolError('too-large'));
        invariant(padded.ok === payload.length <= MAX_PAYLOAD_BYTES, 'pads every payload that fits a frame');
        if (padded.ok) invariant(toB64url(unpadPlaintext(padded.value)) === toB64url(payload), 'round trip');
        return true;
      }),
  },
  {
    name: 'decodeChannelMessage refuses damaged messages with malformed/schema; what it accepts matches the schema',
    cost: 'cheap',
    property: () =>
      fc.property(fc.oneof(anyBytes(), sample.chain((m) => mutatedJsonText(m)).map(utf8Encode), sample.chain((m) => mutatedBytes(encodeChannelMessage(m)))), (bytes) => {
        const outcome = cleanly(() => decodeChannelMessage(bytes), protocolError('malformed', 'schema'));
        if (outcome.ok) {
          invariant(Value.Check(ChannelMessageSchema, outcome.value), 'accepted messages match the schema');
          invariant(sameMessage(decodeChannelMessage(encodeChannelMessage(outcome.value)), outcome.value), 're-encodes identically');
        }
        return true;
      }),
  },
  {
    name: 'parseChannelMessage refuses any other value with schema',
    cost: 'cheap',
    property: () =>
      fc.property(fc.oneof(anyValue, sample.chain((m) => mutatedValue(m))), (value) => {
        cleanly(() => parseChannelMessage(value), protocolError('schema'));
        return true;
      }),
  },
  {
    name: 'SecureChannel.open: random frames fail cleanly and kill the channel for good',
    cost: 'cheap',
    property: () =>
      fc.property(key, key, anyBytes(MAX_FRAME_BYTES), (k1, k2, frame) => {
        const { receiver } = channelPair(k1, k2);
        const outcome = cleanly(() => receiver.open(frame), openErrors);
        invariant(!outcome.ok, 'a random frame never authenticates');
        invariant(!receiver.isOpen, 'the channel is dead after a failure');
        const later = cleanly(() => receiver.open(frame), protocolError('closed'));
        invariant(!later.ok, 'every later open throws closed');
        return true;
      }),
  },
  {
    name: 'SecureChannel.open: any change to a sealed frame is detected; the original opens once, never twice',
    cost: 'cheap',
    property: () =>
      fc.property(
        fc.tuple(key, key, sample).chain(([k1, k2, message]) => {
          const frame = channelPair(k1, k2).sender.seal(message);
          return fc.tuple(fc.constant(k1), fc.constant(k2), fc.constant(message), fc.constant(frame), mutatedBytes(frame));
        }),
        ([k1, k2, message, frame, tampered]) => {
          const attacked = channelPair(k1, k2).receiver;
          invariant(!cleanly(() => attacked.open(tampered), openErrors).ok, 'the tampered frame is refused');
          const honest = channelPair(k1, k2).receiver;
          invariant(sameMessage(honest.open(frame), message), 'the untouched frame opens to the same message');
          invariant(!cleanly(() => honest.open(frame), openErrors).ok, 'a replay of it is refused');
          return true;
        },
      ),
  },
  {
    name: 'SecureChannel.seal refuses invalid messages with schema and stays usable',
    cost: 'cheap',
    property: () =>
      fc.property(key, key, fc.oneof(anyValue, sample.chain((m) => mutatedValue(m))), (k1, k2, value) => {
        const { sender, receiver } = channelPair(k1, k2);
        // The cast is the attack: a caller handing seal() something that is not a message.
        const outcome = cleanly(() => sender.seal(value as ChannelMessage), protocolError('schema', 'too-large'));
        invariant(sender.isOpen, 'refusing to send keeps the channel open');
        const frame = outcome.ok ? outcome.value : sender.seal(samples[0]!);
        const received = receiver.open(frame);
        invariant(Value.Check(ChannelMessageSchema, received), 'the next message still goes through');
        return true;
      }),
  },
]);

interface HandshakeContext {
  extension: StaticKeyPair;
  phone: StaticKeyPair;
  offer: PairingOffer;
  pairingInit: Uint8Array;
  pairingReply: Uint8Array;
  pairedChannelId: string;
  sessionInit: Uint8Array;
  sessionReply: Uint8Array;
  phoneEphemeral: StaticKeyPair;
}

function handshakeContext(): HandshakeContext {
  const extension = generateStaticKeyPair();
  const phone = generateStaticKeyPair();
  const phoneEphemeral = generateStaticKeyPair();
  const extensionEphemeral = generateStaticKeyPair();
  const secret = new Uint8Array(32).fill(42);
  const offer: PairingOffer = { version: 1, relayUrl: 'ws://relay.test', extensionPublicKey: extension.publicKey, secret, expiresAt: Date.now() + 3_600_000 };
  const pairingInitiator = new PairingInitiator(offer, phone, { name: 'Fuzz phone', ephemeral: phoneEphemeral });
  const pairingInit = pairingInitiator.start();
  const { reply: pairingReply, result } = new PairingResponder(extension, secret, { ephemeral: extensionEphemeral }).respond(pairingInit);
  const sessionInit = new ReconnectInitiator(phone, extension.publicKey, result.pairedChannelId, { ephemeral: phoneEphemeral }).start();
  const { reply: sessionReply } = new ReconnectResponder(extension, phone.publicKey, result.pairedChannelId, { ephemeral: extensionEphemeral }).respond(sessionInit);
  return { extension, phone, offer, pairingInit, pairingReply, pairedChannelId: result.pairedChannelId, sessionInit, sessionReply, phoneEphemeral };
}

/** A pairing message 1 from someone who knows everything in the QR code, with any payload. */
function craftedPairingInit(c: HandshakeContext, payload: Uint8Array): Uint8Array {
  const handshake = new HandshakeState({
    pattern: PAIRING_PATTERN,
    initiator: true,
    prologue: pairingPrologue(pairingChannelId(c.offer.secret)),
    s: c.phone,
    rs: c.extension.publicKey,
    psks: [pairingPsk(c.offer.secret)],
  });
  return encodeFrame('handshake-init', handshake.writeMessage(payload));
}

const initOrReply = (genuine: Uint8Array) => fc.oneof({ arbitrary: mutatedBytes(genuine), weight: 3 }, { arbitrary: anyBytes(), weight: 1 });

export const handshakeGroup = defineGroup<HandshakeContext>({
  name: 'Handshake messages from a hostile peer or relay (shared/protocol pairing.ts, reconnect.ts)',
  setup: async () => handshakeContext(),
  teardown: async () => undefined,
  targets: [
    {
      name: 'PairingResponder refuses a damaged message 1 with handshake, and still pairs the real phone',
      cost: 'costly',
      property: (c) =>
        fc.property(initOrReply(c.pairingInit), (init) => {
          const responder = new PairingResponder(c.extension, c.offer.secret);
          invariant(!cleanly(() => responder.respond(init), handshakeErrors).ok, 'the damaged message is refused');
          invariant(responder.respond(c.pairingInit).result.peerPublicKey.length === 32, 'the offer was not used up');
          return true;
        }),
    },
    {
      name: 'PairingResponder pairs only when the payload carries the proof, whatever else it holds',
      cost: 'costly',
      property: (c) => {
        const proof = toB64url(pairingProof(c.offer.secret));
        const payloads = fc.oneof(
          anyBytes(),
          mutatedJsonText({ proof, name: 'Phone' }).map(utf8Encode),
          mutatedJsonText({ proof: toB64url(new Uint8Array(32)), name: 'Phone' }).map(utf8Encode),
        );
        return fc.property(payloads, (payload) => {
          const outcome = cleanly(() => new PairingResponder(c.extension, c.offer.secret).respond(craftedPairingInit(c, payload)), handshakeErrors);
          if (outcome.ok) {
            const json = JSON.parse(new TextDecoder().decode(payload)) as { proof?: unknown };
            invariant(json.proof === proof, 'an accepted payload carries the real proof');
          }
          return true;
        });
      },
    },
    {
      name: 'ReconnectResponder refuses a damaged KK message 1 with handshake',
      cost: 'costly',
      property: (c) =>
        fc.property(initOrReply(c.sessionInit), (init) => {
          const responder = new ReconnectResponder(c.extension, c.phone.publicKey, c.pairedChannelId);
          invariant(!cleanly(() => responder.respond(init), handshakeErrors).ok, 'the damaged message is refused');
          invariant(responder.respond(c.sessionInit).result.pairedChannelId === c.pairedChannelId, 'the real phone still gets in');
          return true;
        }),
    },
    {
      name: 'PairingInitiator / ReconnectInitiator refuse a damaged reply with handshake',
      cost: 'costly',
      property: (c) =>
        fc.property(initOrReply(c.pairingReply), initOrReply(c.sessionReply), (pairingReply, sessionReply) => {
          const pairing = new PairingInitiator(c.offer, c.phone, { name: 'Fuzz phone', ephemeral: c.phoneEphemeral });
          pairing.start();
          invariant(!cleanly(() => pairing.finish(pairingReply), handshakeErrors).ok, 'the damaged pairing reply is refused');
          const session = new ReconnectInitiator(c.phone, c.extension.publicKey, c.pairedChannelId, { ephemeral: c.phoneEphemeral });
          session.start();
          invariant(!cleanly(() => session.finish(sessionReply), handshakeErrors).ok, 'the damaged session reply is refused');
          return true;
        }),
    },
  ],
});
