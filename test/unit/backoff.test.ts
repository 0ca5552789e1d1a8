import { describe, expect, it } from 'vitest';
import { createBackoffPolicy } from '../../worker/backoff.js';

const options = { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs: 60_000 };
const high = () => 0.999;
const low = () => 0;

describe('backoff policy', () => {
  it('attempt 0 is within [0, min(50, initialDelayMs))', () => {
    const hi = createBackoffPolicy(options, high)(0, { elapsedMs: 0 })!;
    expect(hi).toBeGreaterThan(45);
    expect(hi).toBeLessThan(50);
    expect(createBackoffPolicy(options, low)(0, { elapsedMs: 0 })).toBe(0);
    // A small initial delay bounds the first jitter too.
    const small = createBackoffPolicy({ ...options, initialDelayMs: 10 }, high)(0, { elapsedMs: 0 })!;
    expect(small).toBeGreaterThan(9);
    expect(small).toBeLessThan(10);
  });

  it('later attempts are within [0, min(max, initial * 2^(n-1))]', () => {
    const hi = createBackoffPolicy(options, high);
    const lo = createBackoffPolicy(options, low);
    for (let n = 1; n <= 20; n++) {
      const cap = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (n - 1));
      const top = hi(n, { elapsedMs: 1000 })!;
      expect(top).toBeLessThanOrEqual(cap);
      expect(top).toBeGreaterThanOrEqual(cap * 0.99);
      expect(lo(n, { elapsedMs: 1000 })).toBe(0);
    }
  });

  it('grows exponentially, then caps at maxDelayMs', () => {
    const policy = createBackoffPolicy(options, () => 0.5);
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => policy(n, { elapsedMs: 0 }));
    expect(delays).toEqual([125, 250, 500, 1000, 2000, 2500, 2500, 2500]);
  });

  it('gives up (null) once elapsedMs >= giveUpAfterMs', () => {
    const policy = createBackoffPolicy(options, high);
    expect(policy(3, { elapsedMs: 59_999 })).not.toBeNull();
    expect(policy(3, { elapsedMs: 60_000 })).toBeNull();
    expect(policy(0, { elapsedMs: 60_000 })).toBeNull();
    expect(policy(3, { elapsedMs: 10 ** 9 })).toBeNull();
  });

  it('never returns more than the remaining time', () => {
    const policy = createBackoffPolicy(options, high);
    expect(policy(10, { elapsedMs: 59_000 })).toBe(1000);
    expect(policy(10, { elapsedMs: 59_999 })).toBe(1);
    for (let elapsed = 50_000; elapsed < 60_000; elapsed += 137) {
      for (const n of [0, 1, 5, 12]) {
        const delay = policy(n, { elapsedMs: elapsed })!;
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(60_000 - elapsed);
      }
    }
  });
});
