import { describe, expect, it } from 'vitest';
import { SEAT_TAKEN_CLOSE } from './protocol/relay-contract.ts';
import { RelayBackoff } from './relay-backoff.ts';

const policy = { initialMs: 100, maxMs: 1000 };

describe('RelayBackoff', () => {
  it('doubles up to the ceiling and starts over once the relay accepts the socket', () => {
    const backoff = new RelayBackoff(policy);
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400, 800, 1000]);
    backoff.closed(1006);
    backoff.connected();
    expect(backoff.next()).toBe(100);
  });

  it('keeps backing off after losing its seat to another holder, until a session with the peer is up', () => {
    const backoff = new RelayBackoff(policy);
    // Two holders of one seat: each accepted socket is displaced (4001) by the other's next one.
    const waits: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      backoff.connected();
      backoff.closed(SEAT_TAKEN_CLOSE);
      waits.push(backoff.next());
    }
    expect(waits).toEqual([100, 200, 400, 800, 1000]);
    backoff.connected();
    backoff.established();
    backoff.closed(1006);
    expect(backoff.next()).toBe(100);
  });
});
