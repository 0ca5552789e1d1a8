import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventHub } from '../../src/event-hub.js';
import type { ChannelEvent } from '../../src/types.js';

const online = (uid: number): ChannelEvent => ({ type: 'peer-online', uid, attributes: {} });

describe('EventHub', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('on() receives only its event type; off() stops delivery', () => {
    const hub = new EventHub();
    const handler = vi.fn();
    hub.on('peer-online', handler);
    hub.emit(online(1));
    hub.emit({ type: 'connected', resumed: false, recovered: true });
    hub.emit(online(2));
    expect(handler.mock.calls).toEqual([[online(1)], [online(2)]]);
    hub.off('peer-online', handler);
    hub.emit(online(3));
    expect(handler).toHaveBeenCalledTimes(2);
    // off of an unknown handler or event is harmless
    hub.off('peer-leave', handler);
    hub.off('peer-online', () => {});
  });

  it('registering the same handler twice delivers once; one off() removes it', () => {
    const hub = new EventHub();
    const handler = vi.fn();
    hub.on('peer-online', handler);
    hub.on('peer-online', handler);
    hub.emit(online(1));
    expect(handler).toHaveBeenCalledTimes(1);
    hub.off('peer-online', handler);
    hub.emit(online(2));
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('the same handler on two event names gets both', () => {
    const hub = new EventHub();
    const handler = vi.fn();
    hub.on('peer-online', handler);
    hub.on('connected', handler);
    hub.emit(online(1));
    hub.emit({ type: 'connected', resumed: false, recovered: true });
    expect(handler).toHaveBeenCalledTimes(2);
    hub.off('connected', handler);
    hub.emit({ type: 'connected', resumed: false, recovered: true });
    hub.emit(online(2));
    expect(handler).toHaveBeenCalledTimes(3);
  });

  it('a throwing listener does not stop the others, and its error is rethrown asynchronously', () => {
    const deferred: (() => void)[] = [];
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => void deferred.push(task));
    const hub = new EventHub();
    const boom = new Error('listener bug');
    const first = vi.fn();
    const last = vi.fn();
    const all = vi.fn();
    hub.events$.subscribe(all);
    hub.on('peer-online', first);
    hub.on('peer-online', () => {
      throw boom;
    });
    hub.on('peer-online', last);
    hub.emit(online(1));
    hub.emit(online(2));
    expect(first).toHaveBeenCalledTimes(2);
    expect(last).toHaveBeenCalledTimes(2);
    expect(all).toHaveBeenCalledTimes(2);
    expect(deferred).toHaveLength(2);
    expect(() => deferred[0]!()).toThrow(boom);
  });

  it('events$ sees every event; complete() ends it and drops the listeners', () => {
    const hub = new EventHub();
    const seen: ChannelEvent[] = [];
    const complete = vi.fn();
    hub.events$.subscribe({ next: (e) => seen.push(e), complete });
    const handler = vi.fn();
    hub.on('connected', handler);
    hub.emit({ type: 'connected', resumed: false, recovered: true });
    hub.emit(online(4));
    hub.complete();
    hub.emit({ type: 'connected', resumed: false, recovered: true });
    expect(seen).toEqual([{ type: 'connected', resumed: false, recovered: true }, online(4)]);
    expect(complete).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
