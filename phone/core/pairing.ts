// First pairing, phone side: read the QR link, meet the extension on the offer's pairing channel
// and run the IKpsk2 handshake. DOM-free (the socket comes from a factory), so the phone web app
// and Node tests run exactly this code.
//
// A finished handshake is only an *unconfirmed* pairing: whoever made the link (anyone can run an
// extension end and send a link) completed it too. It becomes a PairedBrowser, the only thing a
// phone may store or answer requests for, when the person says the code on the phone matches the
// one their own browser shows (`confirmPairing`), before it expires.
import { WebAuthnError } from '../../shared/errors.ts';
import { parsePairingLink, ProtocolError, PairingInitiator } from '../../shared/protocol/index.ts';
import { UNCONFIRMED_PAIRING_TTL_MS } from '../../shared/protocol/pairing.ts';
import { pairingRelayTarget, RelaySocket, type WebSocketFactory } from '../../shared/relay-socket.ts';
import type { StaticKeyPair } from '../../shared/protocol/index.ts';

export { UNCONFIRMED_PAIRING_TTL_MS };

/** What a pairing handshake gives the phone: the extension's key and where to meet it. */
export interface PairingDetails {
  extensionPublicKey: Uint8Array;
  pairedChannelId: string;
  relayUrl: string;
  /** Six digits the person compares with the extension's popup. */
  confirmationCode: string;
  pairedAt: number;
}

/** A finished handshake the person has not confirmed yet: kept in memory only, never stored. */
export interface UnconfirmedPairing extends PairingDetails {
  readonly confirmed: false;
  /** After this the person can no longer confirm it (the extension forgets it too). */
  readonly expiresAt: number;
}

/** A pairing the person confirmed on the phone: the only kind that may be stored or asked. */
export interface PairedBrowser extends PairingDetails {
  confirmedAt: number;
}

/** The unconfirmed pairing is past its time: pair again. */
export class PairingExpiredError extends Error {
  override name = 'PairingExpiredError';
  constructor() {
    super('This pairing was not confirmed in time. Show a new code on the browser and pair again.');
  }
}

/** The person said the codes match: turn the handshake into a pairing that may be kept. */
export function confirmPairing(pairing: UnconfirmedPairing, now = Date.now()): PairedBrowser {
  if (now >= pairing.expiresAt) throw new PairingExpiredError();
  const { confirmed: _confirmed, expiresAt: _expiresAt, ...details } = pairing;
  return { ...details, confirmedAt: now };
}

export function isConfirmed(pairing: PairingDetails & { confirmedAt?: number }): pairing is PairedBrowser {
  return typeof pairing.confirmedAt === 'number' && pairing.confirmedAt >= pairing.pairedAt;
}

/**
 * The rule every phone (app and virtual) applies before showing or answering a request: only for
 * a pairing the person confirmed. Throws NotAllowedError otherwise.
 */
export function assertConfirmed(pairing: PairingDetails & { confirmedAt?: number }): asserts pairing is PairedBrowser {
  if (!isConfirmed(pairing)) throw new WebAuthnError('NotAllowedError', 'This browser’s pairing was never confirmed on the phone');
}

export interface PairOptions {
  staticKey: StaticKeyPair;
  socketFactory: WebSocketFactory;
  /** The label the extension shows for this phone (1–64 characters). */
  name?: string;
  /** Stops waiting (the person closed the pairing screen). */
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Pair with the extension that shows `link`. Resolves once the handshake succeeded, with an
 * unconfirmed pairing: the caller shows its code and keeps it only through `confirmPairing`.
 * Throws ProtocolError for a bad or expired link and Error when the relay or the extension fails.
 * Call it only after the person asked to pair (it speaks to whoever made the link).
 */
export async function pairWithLink(link: string, options: PairOptions): Promise<UnconfirmedPairing> {
  const now = options.now ?? Date.now;
  const offer = parsePairingLink(link, now());
  const initiator = new PairingInitiator(offer, options.staticKey, options.name === undefined ? {} : { name: options.name });
  const target = pairingRelayTarget(offer.relayUrl, offer.secret, 'phone');

  return new Promise((resolve, reject) => {
    let socket: RelaySocket | null = null;
    let started = false;
    let settled = false;
    const finish = (outcome: () => void, reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(expiry);
      options.signal?.removeEventListener('abort', onAbort);
      socket?.close(1000, reason);
      outcome();
    };
    const fail = (error: unknown, reason = 'pairing failed'): void =>
      finish(() => reject(error instanceof Error ? error : new Error(String(error))), reason);
    const onAbort = (): void => fail(new DOMException('Pairing was cancelled', 'AbortError'), 'cancelled');
    const expiry = setTimeout(
      () => fail(new ProtocolError('expired', 'The pairing code expired before the browser answered. Show a new code and scan again.'), 'expired'),
      Math.max(0, offer.expiresAt - now()),
    );
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    RelaySocket.connect(options.socketFactory, target, {
      onPeers: (count, relay) => {
        socket = relay;
        // The extension waits on the channel; the phone speaks first once both are there.
        if (count === 2 && !started && !settled) {
          started = true;
          relay.send(initiator.start());
        }
      },
      onFrame: (frame, relay) => {
        socket = relay;
        if (settled) return;
        try {
          const result = initiator.finish(frame);
          const pairedAt = now();
          const paired: UnconfirmedPairing = {
            extensionPublicKey: result.peerPublicKey,
            pairedChannelId: result.pairedChannelId,
            relayUrl: offer.relayUrl,
            confirmationCode: result.confirmationCode,
            pairedAt,
            confirmed: false,
            expiresAt: pairedAt + UNCONFIRMED_PAIRING_TTL_MS,
          };
          finish(() => resolve(paired), 'paired');
        } catch (error) {
          fail(error);
        }
      },
      onClose: (code, reason) => fail(new Error(`The relay closed the pairing channel (${code} ${reason})`)),
    }).then((relay) => {
      socket = relay;
      if (settled) relay.close(1000, 'pairing over');
    }, fail);
  });
}
