/** The reconnect policy (docs/behaviour.md, Reconnection timing), as a pure function and, for a whole outage, on a virtual clock. */
import { describe, expect, it } from 'vitest';
import { CAP_DOUBLING_MS, YOUNG_OUTAGE_MS, createBackoffPolicy, delayCap, type BackoffPolicy } from '../../worker/backoff.js';
import { ReconnectPolicy } from '../../worker/reconnect-policy.js';
import { seeded } from '../security/mutate.js';

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

  it('draws each later wait between half the cap and the cap', () => {
    expect(createBackoffPolicy(options, low)(1, { elapsedMs: 0 })).toBe(125);
    expect(createBackoffPolicy(options, () => 0.5)(3, { elapsedMs: 0 })).toBe(187.5);
    expect(createBackoffPolicy(options, high)(30, { elapsedMs: 0 })).toBeCloseTo(250 * (1.999 / 2));
    // Whatever the attempt number: the cap follows the outage's age alone.
    expect(createBackoffPolicy(options, low)(1, { elapsedMs: 40_000 })).toBe(2500);
    expect(createBackoffPolicy(options, low)(40, { elapsedMs: 40_000 })).toBe(2500);
  });

  it('while an outage is young every wait stays within initialDelayMs, and at least half of it', () => {
    for (let elapsed = 0; elapsed <= YOUNG_OUTAGE_MS; elapsed += 250) {
      for (const attempt of [1, 5, 30]) {
        expect(createBackoffPolicy(options, high)(attempt, { elapsedMs: elapsed })!).toBeLessThan(250);
        expect(createBackoffPolicy(options, low)(attempt, { elapsedMs: elapsed })!).toBe(125);
      }
    }
  });

  it('past that, the cap doubles every CAP_DOUBLING_MS up to maxDelayMs, and no wait passes it', () => {
    expect(delayCap(options, 0)).toBe(250);
    expect(delayCap(options, YOUNG_OUTAGE_MS)).toBe(250);
    expect(delayCap(options, YOUNG_OUTAGE_MS + CAP_DOUBLING_MS)).toBe(500);
    expect(delayCap(options, YOUNG_OUTAGE_MS + 3 * CAP_DOUBLING_MS)).toBe(2000);
    expect(delayCap(options, 30_000)).toBeGreaterThan(4000);
    expect(delayCap(options, 32_000)).toBe(5000);
    expect(delayCap(options, 20 * 60_000)).toBe(5000);
    const [hi, lo] = [createBackoffPolicy(options, high), createBackoffPolicy(options, low)];
    for (let elapsed = 0; elapsed < 55_000; elapsed += 500) {
      expect(hi(3, { elapsedMs: elapsed })).toBeLessThanOrEqual(delayCap(options, elapsed));
      expect(lo(3, { elapsedMs: elapsed })).toBe(delayCap(options, elapsed) / 2);
    }
    // A small maxDelayMs caps from the start.
    expect(delayCap({ ...options, initialDelayMs: 100, maxDelayMs: 100 }, 60_000)).toBe(100);
  });

  it('a server busy hint replaces the draw, also on the first retry, and never outlasts the give-up time', () => {
    const policy = createBackoffPolicy(options, high);
    expect(policy(0, { elapsedMs: 0, retryAfterMs: 1234 })).toBe(1234);
    expect(policy(4, { elapsedMs: 1000, retryAfterMs: 40 })).toBe(40);
    expect(policy(4, { elapsedMs: 40_000, retryAfterMs: 30_000 })).toBe(20_000);
    expect(policy(4, { elapsedMs: 60_000, retryAfterMs: 100 })).toBeNull();
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

/** The policy before this one: full-jitter exponential backoff from initialDelayMs, doubling, capped at maxDelayMs. */
const fullJitter =
  (o: typeof options, random: () => number): BackoffPolicy =>
  (attempt, { elapsedMs }) => {
    if (elapsedMs >= o.giveUpAfterMs) return null;
    const step = attempt === 0 ? Math.min(50, o.initialDelayMs) : Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** (attempt - 1));
    return Math.min(random() * step, o.giveUpAfterMs - elapsedMs);
  };

/** Attempts one client makes over an outage that outlasts giveUpAfterMs, on a virtual clock; each attempt fails after `attemptMs`. */
function attemptsUntilGiveUp(policyOf: (o: typeof options, random: () => number) => BackoffPolicy, o: typeof options, attemptMs: number, seed: number): number {
  let now = 0;
  const policy = new ReconnectPolicy({ joinTimeoutMs: 15_000, reconnect: o }, policyOf(o, seeded(seed)), { now: () => now });
  policy.begin('reconnect');
  let attempts = 0;
  for (let delay = policy.nextDelay(0); delay !== null; delay = policy.nextDelay(attempts)) {
    now += delay + attemptMs;
    attempts++;
  }
  return attempts;
}

describe('the cost of a long outage', () => {
  const twentyMinutes = { ...options, giveUpAfterMs: 20 * 60_000 };
  // Refused at once (the server's host is up, the port closed) or blackholed (each attempt waits out connectionTimeoutMs).
  it.each([0, 4000])('over 20 minutes with attempts that fail after %i ms, no more attempts than full-jitter exponential backoff', (attemptMs) => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const now = attemptsUntilGiveUp(createBackoffPolicy, twentyMinutes, attemptMs, seed);
      const before = attemptsUntilGiveUp(fullJitter, twentyMinutes, attemptMs, seed);
      expect(now, `seed ${seed}: ${now} attempts now, ${before} before`).toBeLessThanOrEqual(before);
    }
  });

  it('the first seconds cost more attempts than before: that is what brings a client back within a few hundred ms', () => {
    const firstSeconds = { ...options, giveUpAfterMs: YOUNG_OUTAGE_MS };
    expect(attemptsUntilGiveUp(createBackoffPolicy, firstSeconds, 0, 1)).toBeGreaterThan(attemptsUntilGiveUp(fullJitter, firstSeconds, 0, 1));
  });
});
