// The extension's end of every session with the paired phone: connect to the paired channel,
// answer the phone's fresh KK handshake, then exchange encrypted request/response messages.
// One session at a time; if the channel breaks, every pending request fails (never answered twice)
// and the next request opens a new session.
import {
  decodeFrame,
  ReconnectResponder,
  type ChannelMessage,
  type GetAssertionMessage,
  type MakeCredentialMessage,
  type SecureChannel,
} from '../../shared/protocol/index.ts';
import { platformWebSocket, RelaySocket, relaySocketUrl } from '../../shared/relay-socket.ts';
import { WebAuthnError } from '../../shared/errors.ts';
import { getConfirmedPairing, getSettings, getStaticKeyPair } from './storage.ts';

type PhoneRequest = MakeCredentialMessage | GetAssertionMessage;
type PhoneReply = Extract<ChannelMessage, { type: 'credential-created' | 'assertion' | 'error' }>;

/** One relay connection on the paired channel; the phone may come and go on it. */
class Session {
  channel: SecureChannel | null = null;
  private waiters: { resolve: (c: SecureChannel) => void; reject: (e: Error) => void }[] = [];

  constructor(readonly socket: RelaySocket) {}

  /** The current secure channel, or the next one the phone's handshake establishes. */
  nextChannel(): Promise<SecureChannel> {
    if (this.channel) return Promise.resolve(this.channel);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  established(channel: SecureChannel): void {
    this.channel = channel;
    for (const w of this.waiters.splice(0)) w.resolve(channel);
  }

  failWaiters(error: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
  }
}

let session: Session | null = null;
const pending = new Map<string, { resolve: (reply: PhoneReply) => void; reject: (error: Error) => void }>();

function failAll(error: Error): void {
  for (const p of pending.values()) p.reject(error);
  pending.clear();
}

function dropSession(reason: string): void {
  const s = session;
  session = null;
  const error = new WebAuthnError('NotAllowedError', reason);
  if (s) {
    s.socket.close(1000, 'session over');
    s.failWaiters(error);
  }
  failAll(error);
}

async function openSession(): Promise<Session> {
  const pairing = await getConfirmedPairing();
  if (!pairing) throw new WebAuthnError('NotAllowedError', 'No phone is paired');
  const { relayUrl } = await getSettings();
  const extensionStatic = await getStaticKeyPair();

  let current: Session | null = null;
  const socket = await RelaySocket.connect(platformWebSocket, relaySocketUrl(relayUrl, pairing.pairedChannelId), {
    onPeers: (count) => {
      // The phone left: whatever it was asked is lost with it; the next request waits for it
      // to come back and run a fresh handshake.
      if (count < 2 && current?.channel) {
        current.channel = null;
        failAll(new WebAuthnError('NotAllowedError', 'Your phone disconnected'));
      }
    },
    onFrame: (frame) => {
      const s = current;
      if (!s || session !== s) return;
      try {
        const { kind } = decodeFrame(frame);
        if (kind === 'handshake-init') {
          // A fresh handshake: the first on this socket, or the phone restarted its side.
          if (s.channel) failAll(new WebAuthnError('NotAllowedError', 'The phone restarted the session'));
          const responder = new ReconnectResponder(extensionStatic, pairing.phonePublicKey, pairing.pairedChannelId);
          const { reply, result } = responder.respond(frame);
          s.socket.send(reply);
          s.established(result.channel);
          return;
        }
        if (kind !== 'transport' || !s.channel) throw new Error(`Unexpected ${kind} frame`);
        const message = s.channel.open(frame);
        if (message.type !== 'credential-created' && message.type !== 'assertion' && message.type !== 'error') {
          throw new Error(`The phone sent an unexpected ${message.type} message`);
        }
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        waiter?.resolve(message);
      } catch (error) {
        // Tampered, replayed or reordered traffic: the session is no longer trustworthy.
        dropSession(`The channel to the phone failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    onClose: () => {
      if (session === current) dropSession('The relay connection closed');
    },
  });
  current = new Session(socket);
  return current;
}

async function ensureChannel(): Promise<{ session: Session; channel: SecureChannel }> {
  if (!session || !session.socket.isOpen) {
    session = null;
    session = await openSession();
  }
  const s = session;
  return { session: s, channel: await s.nextChannel() };
}

/** Wait for `promise`, but give up with NotAllowedError when the ceremony's time is up. */
function withDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new WebAuthnError('NotAllowedError', `${what} timed out`)), Math.max(0, deadline - Date.now()));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Send a request to the phone and wait for its reply until the ceremony's deadline. */
export async function askPhone(request: PhoneRequest, deadline: number): Promise<PhoneReply> {
  const { session: s, channel } = await withDeadline(ensureChannel(), deadline, 'Reaching your phone');
  const reply = new Promise<PhoneReply>((resolve, reject) => pending.set(request.id, { resolve, reject }));
  s.socket.send(channel.seal(request));
  try {
    return await withDeadline(reply, deadline, 'Waiting for your phone');
  } catch (error) {
    if (pending.delete(request.id)) cancelOnPhone(request.id);
    throw error;
  }
}

/** Tell the phone to drop a request (page aborted or timed out); the reply, if any, is ignored. */
export function cancelOnPhone(requestId: string): void {
  const waiter = pending.get(requestId);
  pending.delete(requestId);
  waiter?.reject(new WebAuthnError('AbortError', 'The operation was aborted'));
  const s = session;
  if (s?.channel && s.socket.isOpen) {
    try {
      s.socket.send(s.channel.seal({ type: 'cancel', id: requestId }));
    } catch {
      // the session is going away; the phone drops the request with it
    }
  }
}

export function closePhoneLink(): void {
  dropSession('The pairing was removed');
}
