// Pairing a phone, extension side: show an offer (QR link), wait on the pairing channel for the
// phone's IKpsk2 handshake, answer it and keep the phone's static key (unconfirmed until the person
// compares the codes). An offer lives two minutes and is answered once.
import {
  createPairingOffer,
  decodeFrame,
  encodePairingLink,
  pairingChannelId,
  PairingResponder,
  ProtocolError,
} from '../../shared/protocol/index.ts';
import { pairingRelayTarget, platformWebSocket, RelaySocket } from '../../shared/relay-socket.ts';
import { displayText } from '../../shared/display-text.ts';
import { t } from '../translate.ts';
import { UserFacingError } from '../user-facing-error.ts';
import { addPhone, getPhones, getSettings, getStaticKeyPair, removePhone, updatePhone } from './storage.ts';
import { isExpiredUnconfirmed } from './unconfirmed.ts';
import { phones } from './phones.ts';

export const OFFER_TTL_MS = 2 * 60_000;
/** Failed handshakes tolerated on one offer before it is withdrawn (someone is guessing). */
const MAX_FAILED_HANDSHAKES = 3;
/** An offer about to expire is replaced rather than shown. */
const MIN_REMAINING_MS = 15_000;

/** The offer being opened was withdrawn meanwhile (settings changed, pairing stopped): not a failure. */
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
let offerTtlMs = OFFER_TTL_MS;
let onChange: () => void = () => undefined;

export function onPairingChange(listener: () => void): void {
  onChange = listener;
}

/** Test builds only: shorten the offer's life to test expiry. */
export function setOfferTtlForTests(ms: number): void {
  offerTtlMs = ms;
}

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
  onChange();
}

/**
 * The person says the phone shows the same code. Refused (and forgotten) once the pairing is past
 * the confirmation limit: by then the phone has forgotten its side.
 */
export async function confirmPhone(phoneId: string, now = Date.now()): Promise<void> {
  const phone = (await getPhones()).find((p) => p.id === phoneId);
  if (!phone) throw new UserFacingError(t('pairingExpired'));
  if (phone.confirmed) return;
  if (isExpiredUnconfirmed(phone, now)) {
    await removePhone(phoneId);
    throw new UserFacingError(t('pairingExpired'));
  }
  await updatePhone(phoneId, { confirmed: true });
}

/** Start (or keep showing) an offer. Resolves with the link once the relay accepted us. */
export function startPairing(): Promise<PendingPairing> {
  if (active && active.socket.isOpen && active.expiresAt > Date.now() + Math.min(MIN_REMAINING_MS, offerTtlMs / 2)) return Promise.resolve(currentPairing()!);
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
  const offer = createPairingOffer(relayUrl, extensionStatic.publicKey, offerTtlMs);
  const responder = new PairingResponder(extensionStatic, offer.secret, { expiresAt: offer.expiresAt });
  let failures = 0;

  let socket: RelaySocket;
  try {
    socket = await RelaySocket.connect(platformWebSocket, pairingRelayTarget(relayUrl, offer.secret, 'extension'), {
      onFrame: (frame) => {
        if (active?.socket !== socket) return;
        try {
          if (decodeFrame(frame).kind !== 'handshake-init') return;
          const { reply, result } = responder.respond(frame);
          socket.send(reply);
          cancelPairing();
          void addPhone({
            id: result.pairedChannelId,
            // The phone chose this name: keep it display-safe (bidi and invisible characters out).
            name: displayText(result.peerName ?? '') || 'Phone',
            publicKey: result.peerPublicKey,
            confirmationCode: result.confirmationCode,
            pairedAt: Date.now(),
            confirmed: false,
          })
            // A link to the unconfirmed phone, so that its "No, it differs" (`unpair`) is heard.
            .then(() => phones.sync())
            .then(onChange);
        } catch (error) {
          failures += 1;
          if (failures >= MAX_FAILED_HANDSHAKES) {
            lastError = t('errPairingStopped');
            cancelPairing();
          } else if (!(error instanceof ProtocolError)) {
            console.error('Pairkey: pairing handshake failed', error);
            lastError = t('errPairingFailed');
            onChange();
          }
        }
      },
      onClose: (code, reason) => {
        if (active?.socket === socket) {
          lastError = t('errRelayClosed', `${code} ${reason}`.trim());
          cancelPairing();
        }
      },
    });
  } catch (error) {
    if (generation === mine) {
      lastError = t('errRelayUnreachable', relayUrl);
      onChange();
    }
    throw error;
  }
  if (generation !== mine) {
    // Settings changed or the offer was withdrawn while we were connecting.
    socket.close(1000, 'stale offer');
    throw new StaleOfferError();
  }
  const timer = setTimeout(() => {
    if (active?.socket === socket) cancelPairing();
  }, offer.expiresAt - Date.now());
  active = { link: encodePairingLink(phoneUrl, offer), expiresAt: offer.expiresAt, socket, timer };
  onChange();
  return currentPairing()!;
}
