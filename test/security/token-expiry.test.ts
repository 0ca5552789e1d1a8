/** The token expiry timers on virtual time. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenExpiry } from '../../server/token-expiry.js';

let log: string[];
let expiry: TokenExpiry;
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  log = [];
  expiry = new TokenExpiry({
    willExpireMs: 30_000,
    onWillExpire: (id, at) => log.push(`will ${id} ${at} @${Date.now()}`),
    onExpire: (id) => log.push(`expire ${id} @${Date.now()}`),
  });
});
afterEach(() => {
  expiry.clear();
  vi.useRealTimers();
});

describe('TokenExpiry', () => {
  it('warns willExpireMs before, expires at the expiry', () => {
    expiry.track('a', 100_000);
    vi.advanceTimersByTime(200_000);
    expect(log).toEqual(['will a 100000 @70000', 'expire a @100000']);
    expect(expiry.size).toBe(0);
  });

  it('warns at once when the token is already that close', () => {
    expiry.track('a', 10_000);
    vi.advanceTimersByTime(0);
    expect(log).toEqual(['will a 10000 @0']);
  });

  it('re-tracking (a renewal) replaces the old expiry; untrack stops everything', () => {
    expiry.track('a', 40_000);
    vi.advanceTimersByTime(20_000);
    expiry.track('a', 1_000_000);
    expiry.track('b', 50_000);
    vi.advanceTimersByTime(25_000);
    expiry.untrack('b');
    vi.advanceTimersByTime(2_000_000);
    expect(log).toEqual(['will a 40000 @10000', 'will b 50000 @20000', 'will a 1000000 @970000', 'expire a @1000000']);
  });

  it('a null expiry is not tracked; expiries beyond setTimeout range still fire on time', () => {
    expiry.track('never', null);
    const far = 60 * 24 * 3600 * 1000; // 60 days
    expiry.track('far', far);
    vi.advanceTimersByTime(far + 1);
    expect(log).toEqual([`will far ${far} @${far - 30_000}`, `expire far @${far}`]);
  });
});
