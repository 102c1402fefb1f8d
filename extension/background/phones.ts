// Every paired phone's link, kept up while someone needs it: a ceremony in progress or an open
// extension page (leases), plus a short linger so back-to-back ceremonies reuse the sessions.
// A request goes to every phone that is online, as a browser asks every connected security key;
// the first to answer wins and the others are told to cancel.
import { WebAuthnError } from '../../shared/errors.ts';
import { platformWebSocket } from '../../shared/relay-socket.ts';
import { DEFAULT_RETRY } from '../../shared/relay-backoff.ts';
import type { PhoneReply, PhoneRequest } from '../../shared/protocol/index.ts';
import { PhoneLink, type LinkStatus } from './phone-link.ts';
import { getPhones, getRemovedPhones, getSettings, getStaticKeyPair, removePhone, updatePhone, updateRemovedPhones } from './storage.ts';
import { isExpiredUnconfirmed, unconfirmedDeadline } from './unconfirmed.ts';
import type { PushSubscriptionInfo } from '../../shared/push/subscription.ts';
import { wakeCooldown, type WakeTarget } from './wake.ts';

const LINGER_MS = 30_000;

/** No phone came online in time: the caller may hand the ceremony to the browser instead. */
export class PhoneUnreachableError extends Error {
  constructor() {
    super('No paired phone is reachable');
  }
}

type Listener = () => void;

/** What each link was built for (relay, phone, removed or not): a change means a new link. */
const linkKeys = new WeakMap<PhoneLink, string>();

class Phones {
  private links = new Map<string, PhoneLink>();
  /**
   * Phones the person confirmed: the only ones ever asked anything. Unconfirmed phones get a link
   * too, but only so that a phone whose person said "No, it differs" can deliver `unpair`.
   */
  private confirmed = new Set<string>();
  /** Confirmed phones' Web Push subscriptions, as stored (wake.ts). */
  private pushes = new Map<string, PushSubscriptionInfo>();
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private leases = 0;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();
  /** Called when a phone sent `unpair`: the owner forgets it. */
  onUnpairedByPhone: (phoneId: string) => void = () => undefined;
  private syncing: Promise<void> = Promise.resolve();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  status(phoneId: string): LinkStatus {
    return this.links.get(phoneId)?.status ?? 'offline';
  }

  /** Rebuild the links from storage (after pairing, unpairing or a relay change). */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.rebuild()).catch(() => undefined);
    return this.syncing;
  }

  private async rebuild(): Promise<void> {
    const [stored, removed, { relayUrl }, staticKey] = await Promise.all([getPhones(), getRemovedPhones(), getSettings(), getStaticKeyPair()]);
    // An unconfirmed pairing past its limit is forgotten (the phone forgets its side by then too).
    const now = Date.now();
    const phones = [];
    for (const p of stored) {
      if (isExpiredUnconfirmed(p, now)) await removePhone(p.id);
      else phones.push(p);
    }
    this.confirmed = new Set(phones.filter((p) => p.confirmed).map((p) => p.id));
    this.pushes = new Map(phones.flatMap((p) => (p.confirmed && p.push ? [[p.id, p.push] as const] : [])));
    this.scheduleExpiry(phones.map(unconfirmedDeadline).filter((d): d is number => d !== null));
    const wanted = new Map<string, { publicKey: Uint8Array; removed: boolean; extensions: string[] }>();
    for (const p of phones) wanted.set(p.id, { publicKey: p.publicKey, removed: false, extensions: p.extensions ?? [] });
    for (const p of removed) if (!wanted.has(p.id)) wanted.set(p.id, { publicKey: p.publicKey, removed: true, extensions: [] });
    const key = (id: string, removedPhone: boolean) => `${relayUrl} ${id} ${removedPhone}`;
    const next = new Map<string, PhoneLink>();
    for (const [id, want] of wanted) {
      const existing = this.links.get(id);
      if (existing && linkKeys.get(existing) === key(id, want.removed)) {
        next.set(id, existing);
        continue;
      }
      existing?.release();
      const link = new PhoneLink(
        id,
        want.publicKey,
        relayUrl,
        staticKey,
        want.removed,
        {
          onStatus: () => {
            // Back online (its notification was tapped, or the app opened): the next absence may wake it at once.
            if (link.status === 'online') wakeCooldown.phoneOnline(id);
            this.changed();
          },
          onUnpaired: () => void this.unpaired(id, want.removed),
          onHello: (extensions) => void updatePhone(id, { extensions }),
          // Only a confirmed phone may be woken; a removed one's link answers nothing.
          onPushSubscription: (push) => {
            if (want.removed) return;
            if (push && this.confirmed.has(id)) this.pushes.set(id, push);
            else this.pushes.delete(id);
            void updatePhone(id, { push: push ?? undefined });
          },
        },
        DEFAULT_RETRY,
        platformWebSocket,
        want.extensions,
      );
      linkKeys.set(link, key(id, want.removed));
      next.set(id, link);
      if (this.leases > 0 || this.lingerTimer) link.want();
    }
    for (const [id, link] of this.links) if (!next.has(id)) link.release();
    this.links = next;
    this.changed();
  }

  /** Rebuild again when the next unconfirmed pairing runs out (a worker restart rebuilds anyway). */
  private scheduleExpiry(deadlines: number[]): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (deadlines.length === 0) return;
    this.expiryTimer = setTimeout(() => void this.sync(), Math.max(0, Math.min(...deadlines) - Date.now()));
  }

  private async unpaired(phoneId: string, wasRemoved: boolean): Promise<void> {
    if (wasRemoved) {
      await updateRemovedPhones((removed) => removed.filter((p) => p.id !== phoneId));
    } else {
      this.onUnpairedByPhone(phoneId);
    }
    this.links.get(phoneId)?.release();
    await this.sync();
  }

  /** Keep every link up until the returned function is called (then linger a little). */
  acquire(): () => void {
    this.leases += 1;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    for (const link of this.links.values()) {
      link.want();
      link.kick();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.leases -= 1;
      if (this.leases > 0) return;
      clearTimeout(this.lingerTimer);
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        if (this.leases === 0) for (const link of this.links.values()) link.release();
      }, LINGER_MS);
    };
  }

  /** Deliver `unpair` now if the phone is online; otherwise remember to deliver it later. */
  async unpair(phoneId: string, publicKey: Uint8Array): Promise<void> {
    const link = this.links.get(phoneId);
    const delivered = !link?.removed && link?.sendUnpair();
    link?.release();
    this.links.delete(phoneId);
    if (!delivered) {
      await updateRemovedPhones((removed) => [...removed.filter((p) => p.id !== phoneId), { id: phoneId, publicKey, removedAt: Date.now() }]);
    }
    await this.sync();
  }

  /** Every confirmed phone as a wake-up sees it: absent from its channel or not, and its subscription. */
  wakeTargets(): WakeTarget[] {
    return [...this.links]
      .filter(([id, l]) => !l.removed && this.confirmed.has(id))
      .map(([id, link]) => ({
        phoneId: id,
        absent: link.phoneAbsent,
        push: this.pushes.get(id),
        requestPush: (endpoint, payload, ttl) => link.requestPush(endpoint, payload, ttl),
      }));
  }

  /** The push service said this subscription is gone for good (404/410): never post to it again. */
  async forgetPush(phoneId: string): Promise<void> {
    this.pushes.delete(phoneId);
    await updatePhone(phoneId, { push: undefined });
  }

  /** The links of confirmed phones online by `reachBy` (at least one), else PhoneUnreachableError. */
  async reachable(reachBy: number): Promise<PhoneLink[]> {
    await this.syncing;
    const candidates = [...this.links].filter(([id, l]) => !l.removed && this.confirmed.has(id)).map(([, l]) => l);
    if (candidates.length === 0) throw new PhoneUnreachableError();
    const online = () => candidates.filter((l) => l.status === 'online');
    if (online().length === 0) await Promise.race(candidates.map((l) => l.waitOnline(reachBy)));
    const ready = online();
    if (ready.length === 0) throw new PhoneUnreachableError();
    return ready;
  }

  /**
   * Ask every given phone; the first success wins and the others are cancelled. InvalidStateError
   * (an excluded credential exists) is final at once; otherwise, if all fail, the first error.
   */
  ask(links: PhoneLink[], build: (messageId: string, phoneExtensions: ReadonlySet<string>) => PhoneRequest, signal: AbortSignal): Promise<Exclude<PhoneReply, { type: 'error' }>> {
    return new Promise((resolve, reject) => {
      const outstanding = new Map<PhoneLink, string>();
      let firstError: Error | null = null;
      let settled = false;
      const settle = (action: () => void) => {
        if (settled) return;
        settled = true;
        for (const [link, id] of outstanding) link.cancel(id);
        outstanding.clear();
        signal.removeEventListener('abort', onAbort);
        action();
      };
      const onAbort = () => settle(() => reject(signal.reason instanceof Error ? signal.reason : new WebAuthnError('AbortError', 'The operation was aborted')));
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) return onAbort();
      for (const link of links) {
        const id = crypto.randomUUID();
        outstanding.set(link, id);
        link.ask(build(id, link.extensions)).then(
          (reply) => {
            outstanding.delete(link);
            if (reply.type !== 'error') return settle(() => resolve(reply));
            const error = new WebAuthnError(reply.name, reply.message);
            if (reply.name === 'InvalidStateError') return settle(() => reject(error));
            firstError ??= error;
            if (outstanding.size === 0) settle(() => reject(firstError!));
          },
          (error: unknown) => {
            outstanding.delete(link);
            firstError ??= error instanceof Error ? error : new Error(String(error));
            if (outstanding.size === 0) settle(() => reject(firstError!));
          },
        );
      }
    });
  }
}

export const phones = new Phones();
