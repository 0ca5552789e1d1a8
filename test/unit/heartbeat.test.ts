import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { realTimers } from '../../worker/env.js';
import { Heartbeat } from '../../worker/heartbeat.js';

const options = { intervalMs: 1000, timeoutMs: 4000 };

function setup(clock: { now(): number } = { now: () => Date.now() }) {
  const pings: number[] = [];
  const onTimeout = vi.fn();
  const heartbeat = new Heartbeat(clock, realTimers, options, { sendPing: (ts) => pings.push(ts), onTimeout });
  return { heartbeat, pings, onTimeout };
}

describe('Heartbeat', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pings every interval with the clock timestamp', () => {
    const { heartbeat, pings } = setup();
    heartbeat.start();
    expect(pings).toEqual([1_000_000]);
    heartbeat.onInbound();
    vi.advanceTimersByTime(999);
    expect(pings).toHaveLength(1);
    vi.advanceTimersByTime(1);
    heartbeat.onInbound();
    vi.advanceTimersByTime(1000);
    expect(pings).toEqual([1_000_000, 1_001_000, 1_002_000]);
    heartbeat.stop();
  });

  it('inbound frames keep it alive indefinitely', () => {
    const { heartbeat, pings, onTimeout } = setup();
    heartbeat.start();
    for (let i = 0; i < 300; i++) {
      vi.advanceTimersByTime(1000);
      heartbeat.onInbound();
    }
    expect(onTimeout).not.toHaveBeenCalled();
    expect(pings).toHaveLength(301);
    // Arrivals just inside the deadline are enough too.
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(3999);
      heartbeat.onInbound();
    }
    expect(onTimeout).not.toHaveBeenCalled();
    heartbeat.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('silence for timeoutMs calls onTimeout exactly once, then no more pings', () => {
    const { heartbeat, pings, onTimeout } = setup();
    heartbeat.start();
    vi.advanceTimersByTime(3999);
    expect(onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onTimeout).toHaveBeenCalledTimes(1);
    const sent = pings.length;
    expect(sent).toBe(4);
    vi.advanceTimersByTime(60_000);
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(pings).toHaveLength(sent);
    expect(vi.getTimerCount()).toBe(0);
    // Inbound after the timeout does not resurrect it.
    heartbeat.onInbound();
    vi.advanceTimersByTime(10_000);
    expect(pings).toHaveLength(sent);
  });

  it('detects the deadline from the clock when timers fire late', () => {
    let now = 0;
    const { heartbeat, pings, onTimeout } = setup({ now: () => now });
    heartbeat.start();
    expect(pings).toEqual([0]);
    // The host was frozen: the clock jumps 10 s while no timer ran.
    now = 10_000;
    expect(onTimeout).not.toHaveBeenCalled();
    // A single late tick (the ping timer, due after 1 s) must notice, without waiting for another deadline.
    vi.advanceTimersByTime(1000);
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(pings).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not time out when the clock jumps but an inbound frame just arrived', () => {
    let now = 0;
    const { heartbeat, pings, onTimeout } = setup({ now: () => now });
    heartbeat.start();
    now = 10_000;
    heartbeat.onInbound();
    vi.advanceTimersByTime(1000);
    expect(onTimeout).not.toHaveBeenCalled();
    expect(pings).toEqual([0, 10_000]);
    heartbeat.stop();
  });

  it('computes the RTT from a pong', () => {
    let now = 5000;
    const { heartbeat } = setup({ now: () => now });
    expect(heartbeat.rttMs).toBeNull();
    heartbeat.start();
    now = 5042;
    heartbeat.onPong(5000);
    expect(heartbeat.rttMs).toBe(42);
    heartbeat.onPong(6000); // from the future: ignored
    expect(heartbeat.rttMs).toBe(42);
    heartbeat.stop();
  });

  it('stop() clears every timer and restarting works', () => {
    const { heartbeat, pings, onTimeout } = setup();
    heartbeat.start();
    heartbeat.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(onTimeout).not.toHaveBeenCalled();
    heartbeat.start();
    expect(pings).toHaveLength(2);
    vi.advanceTimersByTime(4000);
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });
});
