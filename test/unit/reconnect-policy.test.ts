/** The one owner of the link's two give-up clocks (docs/behaviour.md, Giving up), on a virtual clock. */
import { describe, expect, it } from 'vitest';
import { createBackoffPolicy } from '../../worker/backoff.js';
import { ReconnectPolicy } from '../../worker/reconnect-policy.js';

function setup(joinTimeoutMs = 15_000, giveUpAfterMs = 60_000) {
  let now = 1_000;
  const clock = { now: () => now };
  const reconnect = { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs };
  const policy = new ReconnectPolicy({ joinTimeoutMs, reconnect }, createBackoffPolicy(reconnect, () => 0.999), clock);
  return { policy, advance: (ms: number) => (now += ms) };
}

describe('ReconnectPolicy', () => {
  it('a join has a hard deadline joinTimeoutMs after it began; its delays never pass it, and at it the join gives up', () => {
    const { policy, advance } = setup(40_000);
    policy.begin('join');
    expect(policy.budget).toBe('join');
    expect(policy.hardDeadlineMs()).toBe(40_000);
    advance(39_000);
    expect(policy.hardDeadlineMs()).toBe(1_000);
    expect(policy.nextDelay(5)).toBe(1_000); // the backoff says ~5 s: cut at the deadline
    expect(policy.nextDelay(5, 20_000)).toBe(1_000); // and so is a busy server's hint
    advance(1_000);
    expect(policy.nextDelay(5)).toBeNull();
  });

  it('a reconnect has no hard deadline: it gives up at the first retry past giveUpAfterMs', () => {
    const { policy, advance } = setup();
    policy.begin('join');
    policy.begin('reconnect');
    expect(policy.budget).toBe('reconnect');
    expect(policy.hardDeadlineMs()).toBeNull();
    advance(59_000);
    expect(policy.nextDelay(10)).toBe(1_000); // never sleeps past the give-up time
    advance(1_000);
    expect(policy.nextDelay(10)).toBeNull();
  });

  it('a join with a shorter giveUpAfterMs than its timeout stops at the earlier of the two', () => {
    const { policy, advance } = setup(15_000, 5_000);
    policy.begin('join');
    advance(5_000);
    expect(policy.nextDelay(1)).toBeNull();
    expect(policy.budget).toBe('join');
  });

  it('each begin() starts its budget afresh', () => {
    const { policy, advance } = setup();
    policy.begin('reconnect');
    advance(70_000);
    expect(policy.nextDelay(1)).toBeNull();
    policy.begin('reconnect');
    expect(policy.nextDelay(1)).not.toBeNull();
  });
});
