import { describe, expect, it } from 'vitest';
import { chargeOf, RequestLimits, siteOf, type Budgets } from './request-limits.ts';

describe('RequestLimits', () => {
  it('gives a frame one slot: a second modal request is refused until the first releases', () => {
    const limits = new RequestLimits();
    const first = limits.claim('tab 1 frame 0', false, () => expect.fail('a modal request is never superseded'));
    expect(first).not.toBeNull();
    expect(limits.claim('tab 1 frame 0', false, () => undefined)).toBeNull();
    expect(limits.claim('tab 1 frame 0', true, () => undefined)).toBeNull();
    // Another frame has its own slot.
    expect(limits.claim('tab 1 frame 3', false, () => undefined)).not.toBeNull();
    first!.release();
    expect(limits.claim('tab 1 frame 0', false, () => undefined)).not.toBeNull();
  });

  it('lets a modal request replace a waiting conditional one, but not another conditional one', () => {
    const limits = new RequestLimits();
    let superseded = 0;
    const conditional = limits.claim('f', true, () => superseded++);
    expect(limits.claim('f', true, () => undefined)).toBeNull();
    expect(superseded).toBe(0);
    const modal = limits.claim('f', false, () => undefined);
    expect(modal).not.toBeNull();
    expect(superseded).toBe(1);
    // The superseded request's late release does not free the modal request's slot.
    conditional!.release();
    expect(limits.claim('f', false, () => undefined)).toBeNull();
  });

  it('treats a conditional request the person picked as a modal one', () => {
    const limits = new RequestLimits();
    const conditional = limits.claim('f', true, () => expect.fail('a picked request is never superseded'));
    conditional!.picked();
    expect(limits.claim('f', false, () => undefined)).toBeNull();
  });

  it('allows a burst per site, then one request per refill period; refused attempts do not push the next token further away', () => {
    let now = 0;
    const limits = new RequestLimits(budgets(3, 10_000), () => now);
    const a = { site: 'a.example', tab: 1 };
    const b = { site: 'b.example', tab: 2 };
    expect([1, 2, 3, 4].map(() => limits.take(a))).toEqual([true, true, true, false]);
    expect(limits.take(b)).toBe(true);
    now += 9_999;
    expect(limits.take(a)).toBe(false);
    now += 1;
    expect(limits.take(a)).toBe(true);
    expect(limits.take(a)).toBe(false);
    now += 10_000;
    expect(limits.take(a)).toBe(true);
    now += 1_000_000;
    expect([1, 2, 3, 4].map(() => limits.take(a))).toEqual([true, true, true, false]);
  });

  it('counts every subdomain, port and scheme of a registrable domain as one site (issue 11: 8 subdomain frames reached the phone 35 times)', () => {
    const limits = new RequestLimits(budgets(5, 60_000), () => 0);
    const origins = [
      'https://a.hostile.example',
      'https://b.hostile.example:8443',
      'https://c.d.hostile.example',
      'https://hostile.example:444',
      'http://hostile.example',
      'https://WWW.Hostile.Example',
      'https://e.hostile.example',
      'https://f.hostile.example:9443',
    ];
    // Each frame in its own tab, so only the site's budget is shared.
    const granted = origins.flatMap((origin, tabId) => [1, 2, 3, 4, 5, 6].map(() => limits.take(chargeOf({ origin, tabId }))));
    expect(granted.filter(Boolean)).toHaveLength(5);
  });

  it('finds the site with the Public Suffix List, private entries included', () => {
    expect(siteOf('https://login.shop.example.co.uk:8443')).toBe('example.co.uk');
    expect(siteOf('https://a.b.example.com')).toBe('example.com');
    // Private entries: two people's pages under github.io are two sites.
    expect(siteOf('https://alice.github.io')).toBe('alice.github.io');
    expect(siteOf('https://www.alice.github.io')).toBe('alice.github.io');
    expect(siteOf('https://bob.github.io')).not.toBe(siteOf('https://alice.github.io'));
    // Every localhost name and port is the local machine; an IP address stands for itself.
    expect(siteOf('http://localhost:3000')).toBe('localhost');
    expect(siteOf('http://app.localhost:5173')).toBe('localhost');
    expect(siteOf('https://192.0.2.7:8443')).toBe('192.0.2.7');
    expect(siteOf('https://192.0.2.8')).not.toBe(siteOf('https://192.0.2.7'));
  });

  it('gives a tab one budget for the frames of every site it holds', () => {
    const limits = new RequestLimits({ site: { burst: 5, refillMs: 60_000 }, tab: { burst: 5, refillMs: 60_000 }, browser: { burst: 100, refillMs: 60_000 } }, () => 0);
    const granted = Array.from({ length: 8 }, (_, i) => [1, 2, 3].map(() => limits.take({ site: `site${i}.example`, tab: 7 }))).flat();
    expect(granted.filter(Boolean)).toHaveLength(5);
    // Another tab has its own budget; the proxy path (no tab) has only the site's and the browser's.
    expect(limits.take({ site: 'site0.example', tab: 8 })).toBe(true);
    expect(limits.take({ site: 'other.example', tab: null })).toBe(true);
  });

  it('caps the whole browser: many sites in many tabs reach the phone at most the browser’s burst', () => {
    const limits = new RequestLimits({ site: { burst: 5, refillMs: 60_000 }, tab: { burst: 5, refillMs: 60_000 }, browser: { burst: 10, refillMs: 60_000 } }, () => 0);
    const granted = Array.from({ length: 30 }, (_, i) => [1, 2].map(() => limits.take({ site: `site${i}.example`, tab: i }))).flat();
    expect(granted.filter(Boolean)).toHaveLength(10);
  });

  it('takes nothing from any budget when one of them refuses', () => {
    const limits = new RequestLimits({ site: { burst: 2, refillMs: 60_000 }, tab: { burst: 3, refillMs: 60_000 }, browser: { burst: 100, refillMs: 60_000 } }, () => 0);
    expect([1, 2].map(() => limits.take({ site: 'a.example', tab: 1 }))).toEqual([true, true]);
    // The site is out: these are refused and must not spend tab 2's budget.
    for (let i = 0; i < 10; i++) expect(limits.take({ site: 'a.example', tab: 2 })).toBe(false);
    expect([1, 2, 3, 4].map(() => limits.take({ site: 'b.example', tab: 2 }))).toEqual([true, true, false, false]);
    expect(limits.take({ site: 'c.example', tab: 2 })).toBe(true);
  });

  it('gives back the tokens of a request the person approved, to the site, the tab and the browser', () => {
    const limits = new RequestLimits(budgets(2, 60_000), () => 0);
    const a = { site: 'a.example', tab: 1 };
    for (let i = 0; i < 10; i++) {
      expect(limits.take(a)).toBe(true);
      limits.refund(a);
    }
    expect([1, 2, 3].map(() => limits.take(a))).toEqual([true, true, false]);
    limits.refund(a);
    limits.refund(a);
    limits.refund(a);
    expect([1, 2, 3].map(() => limits.take(a))).toEqual([true, true, false]);
  });

  it('forgets refilled buckets once many sites and tabs were seen', () => {
    let now = 0;
    const limits = new RequestLimits(budgets(2, 1_000), () => now);
    for (let i = 0; i < 300; i++) limits.take({ site: `s${i}.example`, tab: i });
    now += 2_000;
    limits.take({ site: 'last.example', tab: 1_000 });
    expect(limits.bucketCount).toBeLessThan(10);
  });
});

/** The same budget for sites, tabs and the browser (the browser's made large enough not to matter). */
function budgets(burst: number, refillMs: number): Budgets {
  return { site: { burst, refillMs }, tab: { burst, refillMs }, browser: { burst: burst * 1_000, refillMs } };
}
