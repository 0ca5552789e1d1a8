/** The process-wide network watcher for Node (docs/api.md, In Node), on virtual time with an injected interface probe. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NetworkWatch } from '../../src/network-watch-node.js';

describe('NetworkWatch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('one poller however many listen; it signals each of them when an interface comes up, and stops with the last one', () => {
    let online = true;
    const probe = vi.fn(() => online);
    const watch = new NetworkWatch(probe, 2000);
    const calls = Array.from({ length: 50 }, () => vi.fn());
    const stops = calls.map((listener) => watch.subscribe(listener));
    expect(vi.getTimerCount()).toBe(1);
    probe.mockClear();
    vi.advanceTimersByTime(2000);
    expect(probe).toHaveBeenCalledOnce(); // one look at the interfaces per period, not one per client
    online = false;
    vi.advanceTimersByTime(2000);
    for (const listener of calls) expect(listener).not.toHaveBeenCalled();
    online = true;
    vi.advanceTimersByTime(2000);
    for (const listener of calls) expect(listener).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(2000); // still online: no new signal
    for (const listener of calls) expect(listener).toHaveBeenCalledOnce();
    for (const stop of stops.slice(1)) stop();
    expect(vi.getTimerCount(), 'one listener left: still polling').toBe(1);
    stops[0]!();
    expect(vi.getTimerCount(), 'nobody listens: the poller stopped').toBe(0);
  });

  it('notifyOnline() signals every listener at once', () => {
    const watch = new NetworkWatch(() => true);
    const a = vi.fn();
    const b = vi.fn();
    watch.subscribe(a);
    const stopB = watch.subscribe(b);
    stopB();
    watch.notifyOnline();
    expect(a).toHaveBeenCalledOnce();
    expect(b).not.toHaveBeenCalled();
  });
});
