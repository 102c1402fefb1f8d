// How long the extension keeps a phone whose confirmation code the person has not confirmed yet.
// A pairing nobody confirmed is exactly what a stranger holding the QR code (or the person's phone
// tricked by a stranger's link) would leave behind: it is forgotten after the same limit the phone
// applies (UNCONFIRMED_PAIRING_TTL_MS), so neither side keeps one for good.
import { UNCONFIRMED_PAIRING_TTL_MS } from '../../shared/protocol/pairing.ts';

export { UNCONFIRMED_PAIRING_TTL_MS };

export interface PairingAge {
  confirmed: boolean;
  pairedAt: number;
}

/** When an unconfirmed pairing stops being confirmable; null for a confirmed one. */
export function unconfirmedDeadline(phone: PairingAge): number | null {
  return phone.confirmed ? null : phone.pairedAt + UNCONFIRMED_PAIRING_TTL_MS;
}

export function isExpiredUnconfirmed(phone: PairingAge, now: number): boolean {
  const deadline = unconfirmedDeadline(phone);
  return deadline !== null && now >= deadline;
}
