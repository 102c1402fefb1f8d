// Rendezvous bookkeeping for the relay: which sockets share a channel, and how many
// sockets each client IP holds. Pure data structures, no I/O, so the rules are easy to test.

/** At most two peers meet on a channel: the extension and the phone. */
export const MAX_PEERS_PER_CHANNEL = 2;

export class ChannelRegistry<Peer> {
  readonly #channels = new Map<string, Set<Peer>>();

  /**
   * Adds the peer, or returns false when the channel already has two live members. Members for
   * which `isGone` holds (closing sockets whose close event has not fired yet) give up their seat:
   * a peer that drops and redials at once must not be locked out by its own old socket.
   */
  join(channelId: string, peer: Peer, isGone: (member: Peer) => boolean = () => false): boolean {
    let members = this.#channels.get(channelId);
    if (!members) {
      members = new Set();
      this.#channels.set(channelId, members);
    }
    if (members.size >= MAX_PEERS_PER_CHANNEL) {
      for (const member of members) if (isGone(member)) members.delete(member);
    }
    if (members.size >= MAX_PEERS_PER_CHANNEL) return false;
    members.add(peer);
    return true;
  }

  /** Removes the peer; returns the members left (empty channels are forgotten). */
  leave(channelId: string, peer: Peer): Peer[] {
    const members = this.#channels.get(channelId);
    if (!members) return [];
    members.delete(peer);
    if (members.size === 0) this.#channels.delete(channelId);
    return [...members];
  }

  members(channelId: string): Peer[] {
    return [...(this.#channels.get(channelId) ?? [])];
  }

  /** The other member of the peer's channel, if any. */
  other(channelId: string, peer: Peer): Peer | undefined {
    for (const member of this.#channels.get(channelId) ?? []) if (member !== peer) return member;
    return undefined;
  }

  get channelCount(): number {
    return this.#channels.size;
  }
}

/** Counts concurrent connections per client address. */
export class ConnectionLimiter {
  readonly #counts = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Takes a slot for the address, or returns false when it already holds the maximum. */
  acquire(address: string): boolean {
    const key = normalizeAddress(address);
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.maxPerAddress) return false;
    this.#counts.set(key, count + 1);
    return true;
  }

  release(address: string): void {
    const key = normalizeAddress(address);
    const count = this.#counts.get(key) ?? 0;
    if (count <= 1) this.#counts.delete(key);
    else this.#counts.set(key, count - 1);
  }
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client on a dual-stack socket. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
