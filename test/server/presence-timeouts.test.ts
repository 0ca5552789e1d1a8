import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PresenceTimeouts } from '../../server/presence-timeouts.js';

describe('PresenceTimeouts (virtual time)', () => {
  let log: string[];
  let timeouts: PresenceTimeouts;

  const make = (streamTimeoutMs: number, peerTimeoutMs: number) =>
    new PresenceTimeouts({
      streamTimeoutMs,
      peerTimeoutMs,
      onStreamTimeout: (id) => log.push(`${Date.now()} stream ${id}`),
      onPeerTimeout: (id) => log.push(`${Date.now()} peer ${id}`),
    });

  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    log = [];
    timeouts = make(300, 600);
  });
  afterEach(() => {
    timeouts.clear();
    vi.useRealTimers();
  });

  it('fires the stream timeout, then the peer timeout, measured from the last frame', () => {
    timeouts.track('a');
    vi.advanceTimersByTime(100);
    timeouts.touch('a'); // lastSeen = 100
    vi.advanceTimersByTime(1000);
    expect(log).toEqual(['400 stream a', '700 peer a']);
    expect(timeouts.size).toBe(0);
  });

  it('does not fire while frames keep arriving, and arms one timer per session only', () => {
    timeouts.track('a');
    for (let t = 0; t < 50; t++) {
      vi.advanceTimersByTime(100);
      timeouts.touch('a');
    }
    expect(log).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('after a stream timeout, a frame then silence times the streams out again on time', () => {
    timeouts = make(300, 1000);
    timeouts.track('a');
    vi.advanceTimersByTime(350); // stream timeout at 300
    timeouts.touch('a'); // lastSeen = 350: next stream deadline 650, not the old peer deadline 1000
    vi.advanceTimersByTime(2000);
    expect(log).toEqual(['300 stream a', '650 stream a', '1350 peer a']);
  });

  it('uses the peer timeout alone when it is the shorter one', () => {
    timeouts = make(1000, 500);
    timeouts.track('a');
    vi.advanceTimersByTime(2000);
    expect(log).toEqual(['500 peer a']);
  });

  it('untrack and clear cancel the timers', () => {
    timeouts.track('a');
    timeouts.track('b');
    timeouts.untrack('a');
    vi.advanceTimersByTime(100);
    timeouts.clear();
    vi.advanceTimersByTime(5000);
    expect(log).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
