import { describe, expect, it } from 'vitest';
import { isExpiredUnconfirmed, UNCONFIRMED_PAIRING_TTL_MS, unconfirmedDeadline } from './unconfirmed.ts';

describe('unconfirmed pairings', () => {
  const pairedAt = 1_000_000;
  it('expire a few minutes after pairing, confirmed ones never', () => {
    expect(UNCONFIRMED_PAIRING_TTL_MS).toBeLessThanOrEqual(10 * 60_000);
    expect(unconfirmedDeadline({ confirmed: false, pairedAt })).toBe(pairedAt + UNCONFIRMED_PAIRING_TTL_MS);
    expect(isExpiredUnconfirmed({ confirmed: false, pairedAt }, pairedAt + UNCONFIRMED_PAIRING_TTL_MS - 1)).toBe(false);
    expect(isExpiredUnconfirmed({ confirmed: false, pairedAt }, pairedAt + UNCONFIRMED_PAIRING_TTL_MS)).toBe(true);
    expect(unconfirmedDeadline({ confirmed: true, pairedAt })).toBeNull();
    expect(isExpiredUnconfirmed({ confirmed: true, pairedAt }, pairedAt + 100 * UNCONFIRMED_PAIRING_TTL_MS)).toBe(false);
  });
});
