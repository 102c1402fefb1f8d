// Rendezvous bookkeeping for the relay: which sockets hold which seat of a channel, and how many
// sockets each client IP holds. Pure data structures, no I/O, so the rules are easy to test.
import type { SeatSide } from '../../shared/protocol/relay-seat.ts';
import { clientNetwork } from '../client-network.ts';

type Seats<Peer> = Partial<Record<SeatSide, Peer>>;

/**
 * Each channel has two seats, `extension` and `phone`, one holder each. Whoever proved a seat
 * (relay-seat.ts) takes it, displacing the previous holder: only the two ends of the pairing can
 * prove a seat, so the newcomer is the pairing's own peer redialling (its old socket may not have
 * closed yet), never a stranger, and a stale holder can never lock the real peer out.
 */
export class ChannelRegistry<Peer> {
  readonly #channels = new Map<string, Seats<Peer>>();

  /** Seats the peer; returns the peer it displaced from that seat, if any. */
  take(channelId: string, side: SeatSide, peer: Peer): Peer | undefined {
    let seats = this.#channels.get(channelId);
    if (!seats) {
      seats = {};
      this.#channels.set(channelId, seats);
    }
    const displaced = seats[side];
    seats[side] = peer;
    return displaced === peer ? undefined : displaced;
  }

  /** Frees the peer's seat; false if it held none (it was displaced, or never joined). Empty channels are forgotten. */
  leave(channelId: string, peer: Peer): boolean {
    const seats = this.#channels.get(channelId);
    const side = seats && sideOf(seats, peer);
    if (!seats || !side) return false;
    delete seats[side];
    if (!seats.extension && !seats.phone) this.#channels.delete(channelId);
    return true;
  }

  members(channelId: string): Peer[] {
    const seats = this.#channels.get(channelId);
    return seats ? [seats.extension, seats.phone].filter((p): p is Peer => p !== undefined) : [];
  }

  /** The holder of the other seat, if the peer holds one of the channel's seats. */
  other(channelId: string, peer: Peer): Peer | undefined {
    const seats = this.#channels.get(channelId);
    const side = seats && sideOf(seats, peer);
    if (!seats || !side) return undefined;
    return side === 'extension' ? seats.phone : seats.extension;
  }

  get channelCount(): number {
    return this.#channels.size;
  }
}

function sideOf<Peer>(seats: Seats<Peer>, peer: Peer): SeatSide | undefined {
  if (seats.extension === peer) return 'extension';
  if (seats.phone === peer) return 'phone';
  return undefined;
}

/**
 * Counts concurrent connections per client network: an IPv4 address or an IPv6 /64 (one subscriber
 * usually holds a whole /64, so a cap per IPv6 address would be no cap).
 */
export class ConnectionLimiter {
  readonly #counts = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Takes a slot for the address's network, or returns false when it already holds the maximum. */
  acquire(address: string): boolean {
    const key = clientNetwork(address);
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.maxPerAddress) return false;
    this.#counts.set(key, count + 1);
    return true;
  }

  release(address: string): void {
    const key = clientNetwork(address);
    const count = this.#counts.get(key) ?? 0;
    if (count <= 1) this.#counts.delete(key);
    else this.#counts.set(key, count - 1);
  }
}
