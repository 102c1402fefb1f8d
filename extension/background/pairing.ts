// First pairing, extension side: show an offer (QR link), wait on the pairing channel for the
// phone's IKpsk2 handshake, answer it and keep the phone's static key.
import {
  createPairingOffer,
  encodePairingLink,
  pairingChannelId,
  PairingResponder,
  ProtocolError,
  decodeFrame,
} from '../../shared/protocol/index.ts';
import { platformWebSocket, RelaySocket, relaySocketUrl } from '../../shared/relay-socket.ts';
import { getSettings, getStaticKeyPair, savePairing } from './storage.ts';

const OFFER_TTL_MS = 5 * 60_000;
/** Failed handshakes tolerated on one offer before it is withdrawn (someone is guessing). */
const MAX_FAILED_HANDSHAKES = 3;

/** The offer being opened was withdrawn meanwhile (settings changed, unpaired): not a failure. */
export class StaleOfferError extends Error {
  constructor() {
    super('The pairing offer was replaced');
  }
}

export interface PendingPairing {
  link: string;
  expiresAt: number;
}

interface Active extends PendingPairing {
  socket: RelaySocket;
  timer: ReturnType<typeof setTimeout>;
}

let active: Active | null = null;
let lastError: string | null = null;
/** Bumped whenever an offer is withdrawn, so a slow start for a stale offer never wins. */
let generation = 0;
let starting: Promise<PendingPairing> | null = null;

export function pairingError(): string | null {
  return lastError;
}

export function currentPairing(): PendingPairing | null {
  return active ? { link: active.link, expiresAt: active.expiresAt } : null;
}

export function cancelPairing(): void {
  generation += 1;
  starting = null;
  if (!active) return;
  clearTimeout(active.timer);
  active.socket.close(1000, 'pairing over');
  active = null;
}

/** Start (or keep showing) an offer. Resolves with the link once the relay accepted us. */
export function startPairing(): Promise<PendingPairing> {
  if (active && active.socket.isOpen && active.expiresAt > Date.now() + 30_000) return Promise.resolve(currentPairing()!);
  if (starting) return starting;
  cancelPairing();
  const mine = generation;
  const attempt = openOffer(mine).finally(() => {
    if (generation === mine) starting = null;
  });
  starting = attempt;
  return attempt;
}

async function openOffer(mine: number): Promise<PendingPairing> {
  lastError = null;
  const { relayUrl, phoneUrl } = await getSettings();
  const extensionStatic = await getStaticKeyPair();
  const offer = createPairingOffer(relayUrl, extensionStatic.publicKey, OFFER_TTL_MS);
  const responder = new PairingResponder(extensionStatic, offer.secret);
  let failures = 0;

  const socket = await RelaySocket.connect(platformWebSocket, relaySocketUrl(relayUrl, pairingChannelId(offer.secret)), {
    onFrame: (frame) => {
      if (active?.socket !== socket) return;
      try {
        if (decodeFrame(frame).kind !== 'handshake-init') return;
        const { reply, result } = responder.respond(frame);
        socket.send(reply);
        cancelPairing();
        void savePairing({
          phonePublicKey: result.peerPublicKey,
          pairedChannelId: result.pairedChannelId,
          confirmationCode: result.confirmationCode,
          phoneName: result.peerName ?? 'Phone',
          pairedAt: Date.now(),
          confirmed: false,
        });
      } catch (error) {
        failures += 1;
        if (failures >= MAX_FAILED_HANDSHAKES) {
          lastError = 'Pairing failed repeatedly and was stopped. Open the popup again for a new code.';
          cancelPairing();
        } else if (!(error instanceof ProtocolError)) {
          lastError = error instanceof Error ? error.message : String(error);
        }
      }
    },
    onClose: (code, reason) => {
      if (active?.socket === socket) {
        lastError = `The relay closed the pairing channel (${code} ${reason})`;
        cancelPairing();
      }
    },
  });
  if (generation !== mine) {
    // Settings changed or the offer was withdrawn while we were connecting.
    socket.close(1000, 'stale offer');
    throw new StaleOfferError();
  }
  const timer = setTimeout(() => {
    if (active?.socket === socket) cancelPairing();
  }, offer.expiresAt - Date.now());
  active = { link: encodePairingLink(phoneUrl, offer), expiresAt: offer.expiresAt, socket, timer };
  return currentPairing()!;
}
