// What reaches the phone from a QR code, and what reaches either side as relay control text.
import fc from 'fast-check';
import { fromB64url, toB64url } from '../../../shared/bytes.ts';
import { encodePairingLink, parsePairingLink, type PairingOffer } from '../../../shared/protocol/index.ts';
import { RelaySocket, type WebSocketLike } from '../../../shared/relay-socket.ts';
import { anyBytes, anyValue, mutatedBytes, mutatedJsonText } from '../support/arbitraries.ts';
import { cleanly, invariant, protocolError } from '../support/oracle.ts';
import { stateless } from '../support/registry.ts';

const NOW = Date.UTC(2030, 0, 1);
const linkErrors = protocolError('malformed', 'version', 'expired');

const validOffer: PairingOffer = {
  version: 1,
  relayUrl: 'wss://relay.example/base',
  extensionPublicKey: new Uint8Array(32).fill(7),
  secret: new Uint8Array(32).fill(9),
  expiresAt: NOW + 300_000,
};
const validLink = encodePairingLink('https://phone.example/app', validOffer);
const validBody = fromB64url(validLink.slice(validLink.indexOf('#pk1.') + '#pk1.'.length));

const offer: fc.Arbitrary<PairingOffer> = fc.record({
  version: fc.constant(1 as const),
  relayUrl: fc.oneof(fc.webUrl({ validSchemes: ['ws', 'wss', 'http', 'https'], size: 'small' }), fc.constant('ws://localhost:8787')).filter((u) => new TextEncoder().encode(u).length <= 512),
  extensionPublicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  secret: fc.uint8Array({ minLength: 16, maxLength: 64 }),
  expiresAt: fc.integer({ min: NOW + 1, max: Number.MAX_SAFE_INTEGER }),
});

/** Text a phone might be handed: anything, something link-shaped, or a damaged real link. */
const linkText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.tuple(fc.constantFrom('', '#', 'https://phone.example/#', ' '), fc.constantFrom('pk1.', 'pk2.', 'pk01.', 'pk1', 'PK1.', 'pk999.'), fc.string())
    .map(([prefix, version, rest]) => prefix + version + rest),
  fc.oneof(anyBytes(), mutatedBytes(validBody)).map((body) => `https://phone.example/app#pk1.${toB64url(body)}`),
);

/** A socket the test drives by hand: RelaySocket only sees the WHATWG-style interface. */
function fakeSocket(): WebSocketLike & { deliver(data: unknown): void } {
  const socket: WebSocketLike & { deliver(data: unknown): void } = {
    binaryType: 'blob',
    readyState: 1,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send: () => undefined,
    close: () => undefined,
    deliver: (data) => socket.onmessage?.({ data }),
  };
  return socket;
}

/** What the relay may legitimately say; anything else must be ignored without a throw. */
function expectedPeers(data: unknown): number | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value !== 'object' || value === null) return null;
    // The relay contract (shared/protocol/relay-contract.ts): exactly { type: 'peers', count } with
    // count 0, 1 or 2 (a channel has two seats); anything else is not a peers count.
    if (Object.keys(value).sort().join() !== 'count,type') return null;
    const { type, count } = value as { type?: unknown; count?: unknown };
    return type === 'peers' && typeof count === 'number' && Number.isInteger(count) && count >= 0 && count <= 2 ? count : null;
  } catch {
    return null;
  }
}

const relayMessage = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  mutatedJsonText({ type: 'peers', count: 2 }),
  mutatedJsonText({ type: 'dropped' }),
  fc.constantFrom('null', '"peers"', '{"type":"peers","count":2}', '{"type":"peers","count":1e400}', '{"__proto__":{"type":"peers"},"count":2}'),
  fc.uint8Array({ maxLength: 64 }).map((b) => b.buffer),
  fc.uint8Array({ maxLength: 64 }),
  anyValue,
);

export const linksGroup = stateless('QR pairing link and relay control messages (shared/protocol/qr-link.ts, shared/relay-socket.ts)', [
  {
    name: 'parsePairingLink refuses anything but a valid, unexpired v1 link with malformed/version/expired',
    cost: 'cheap',
    property: () =>
      fc.property(linkText, (text) => {
        const outcome = cleanly(() => parsePairingLink(text, NOW), linkErrors);
        if (outcome.ok) {
          const o = outcome.value;
          invariant(o.extensionPublicKey.length === 32, 'a 32-byte key');
          invariant(o.secret.length >= 16 && o.secret.length <= 64, 'a 16..64-byte secret');
          invariant(o.expiresAt > NOW && Number.isSafeInteger(o.expiresAt), 'not expired');
          invariant(['ws:', 'wss:', 'http:', 'https:'].includes(new URL(o.relayUrl).protocol), 'a relay URL the phone may dial');
        }
        return true;
      }),
  },
  {
    name: 'encodePairingLink / parsePairingLink round-trip every valid offer',
    cost: 'cheap',
    property: () =>
      fc.property(offer, (o) => {
        const parsed = parsePairingLink(encodePairingLink('https://phone.example/', o), NOW);
        invariant(parsed.relayUrl === o.relayUrl && parsed.expiresAt === o.expiresAt, 'URL and expiry survive');
        invariant(toB64url(parsed.secret) === toB64url(o.secret) && toB64url(parsed.extensionPublicKey) === toB64url(o.extensionPublicKey), 'key and secret survive');
        return true;
      }),
  },
  {
    name: 'RelaySocket ignores any control text but a peers count, and passes binary frames through byte-exact',
    cost: 'cheap',
    property: () =>
      fc.asyncProperty(fc.array(relayMessage, { maxLength: 8 }), async (messages) => {
        const socket = fakeSocket();
        const peers: number[] = [];
        const frames: Uint8Array[] = [];
        const connecting = RelaySocket.connect(() => socket, 'ws://relay.test/relay/x', {
          onPeers: (count) => peers.push(count),
          onFrame: (frame) => frames.push(frame.slice()),
        });
        socket.onopen?.({});
        await connecting;
        for (const data of messages) socket.deliver(data);
        const wantPeers = messages.map(expectedPeers).filter((c): c is number => c !== null);
        invariant(JSON.stringify(peers) === JSON.stringify(wantPeers), `peers ${JSON.stringify(peers)}, expected ${JSON.stringify(wantPeers)}`);
        const binary = messages.filter((m): m is ArrayBuffer | Uint8Array => m instanceof ArrayBuffer || ArrayBuffer.isView(m));
        invariant(frames.length === binary.length, 'one frame per binary message');
        return true;
      }),
  },
]);
