// First pairing, phone side: read the QR link, meet the extension on the offer's pairing channel
// and run the IKpsk2 handshake. DOM-free (the socket comes from a factory), so the phone web app
// and Node tests run exactly this code.
import { PairingInitiator, pairingChannelId, parsePairingLink, ProtocolError } from '../../shared/protocol/index.ts';
import { pairingRelayTarget, RelaySocket, type WebSocketFactory } from '../../shared/relay-socket.ts';
import type { StaticKeyPair } from '../../shared/protocol/index.ts';

/** What the phone keeps about a paired browser (the extension's key and where to meet it). */
export interface PairedBrowser {
  extensionPublicKey: Uint8Array;
  pairedChannelId: string;
  relayUrl: string;
  /** Six digits the person compares with the extension's popup. */
  confirmationCode: string;
  pairedAt: number;
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
 * Pair with the extension that shows `link`. Resolves once the handshake succeeded; the caller
 * stores the result and shows the confirmation code. Throws ProtocolError for a bad or expired
 * link and Error when the relay or the extension fails.
 */
export async function pairWithLink(link: string, options: PairOptions): Promise<PairedBrowser> {
  const now = options.now ?? Date.now;
  const offer = parsePairingLink(link, now());
  const initiator = new PairingInitiator(offer, options.staticKey, options.name === undefined ? {} : { name: options.name });
  const url = pairingRelayTarget(offer.relayUrl, offer.secret, 'phone');

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

    RelaySocket.connect(options.socketFactory, url, {
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
          const paired: PairedBrowser = {
            extensionPublicKey: result.peerPublicKey,
            pairedChannelId: result.pairedChannelId,
            relayUrl: offer.relayUrl,
            confirmationCode: result.confirmationCode,
            pairedAt: now(),
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
