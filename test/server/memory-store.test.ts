import { describe, expect, it } from 'vitest';
import { MemoryChannelStore } from '../../server/memory-store.js';
import { channelKey } from '../../server/store.js';

const key = channelKey('app', 'room');

function setup() {
  const store = new MemoryChannelStore();
  store.createSession({ sessionId: 'A', appId: 'app', channel: 'room', uid: 1 });
  store.createSession({ sessionId: 'B', appId: 'app', channel: 'room', uid: 2 });
  store.createSession({ sessionId: 'C', appId: 'app', channel: 'room', uid: '1' });
  return store;
}

describe('MemoryChannelStore', () => {
  it('keys channels by app and channel, and members by typed uid', () => {
    const store = setup();
    store.createSession({ sessionId: 'X', appId: 'app2', channel: 'room', uid: 1 });
    expect(channelKey('a', 'b,c')).not.toBe(channelKey('a,b', 'c'));
    expect(store.findMember(key, 1)?.sessionId).toBe('A');
    expect(store.findMember(key, '1')?.sessionId).toBe('C');
    expect(() => store.createSession({ sessionId: 'D', appId: 'app', channel: 'room', uid: 1 })).toThrow();
    expect(store.stats()).toEqual({ members: 4, channels: 2, streams: 0 });
  });

  it('tracks streams, subscriptions and fan-out targets; removing a stream drops its subscriptions', () => {
    const store = setup();
    expect(store.addStream('A', 's1')).toBe(true);
    expect(store.addStream('A', 's1')).toBe(false);
    store.subscribe('B', { uid: 1, streamId: 's1' });
    store.subscribe('C', { uid: 1, streamId: 's1' });
    store.subscribe('C', { uid: '1', streamId: 's1' }); // a different uid
    expect([...store.subscriberSessionIds(key, 1, 's1')].sort()).toEqual(['B', 'C']);
    expect(store.hasStream(key, 1, 's1')).toBe(true);
    expect(store.hasStream(key, '1', 's1')).toBe(false);

    expect(store.removeStream('A', 's1')).toBe(true);
    expect([...store.subscriberSessionIds(key, 1, 's1')]).toEqual([]);
    expect(store.getSession('B')?.subscriptionCount).toBe(0);
    expect(store.getSession('C')?.subscriptionCount).toBe(1);
    expect(store.removeStream('A', 's1')).toBe(false);
  });

  it('snapshot lists the other members with their streams', () => {
    const store = setup();
    store.addStream('B', 'cam');
    expect(store.snapshot(key, 'A')).toEqual([
      { uid: 2, streams: ['cam'] },
      { uid: '1', streams: [] },
    ]);
    expect([...store.memberSessionIds(key)].sort()).toEqual(['A', 'B', 'C']);
  });

  it('transferSession keeps the membership, streams and subscribers; clears own subscriptions', () => {
    const store = setup();
    store.addStream('A', 's1');
    store.addStream('B', 's2');
    store.subscribe('B', { uid: 1, streamId: 's1' });
    store.subscribe('A', { uid: 2, streamId: 's2' });
    const moved = store.transferSession('A', 'A2');
    expect(moved.sessionId).toBe('A2');
    expect(store.getSession('A')).toBeUndefined();
    expect(store.findMember(key, 1)?.sessionId).toBe('A2');
    expect(moved.streams).toEqual(['s1']);
    expect([...store.subscriberSessionIds(key, 1, 's1')]).toEqual(['B']);
    expect([...store.subscriberSessionIds(key, 2, 's2')]).toEqual([]);
  });

  it('deleteSession removes the member, its streams and subscriptions, and empty channels', () => {
    const store = setup();
    store.addStream('A', 's1');
    store.subscribe('B', { uid: 1, streamId: 's1' });
    store.subscribe('A', { uid: 2, streamId: 'x' });
    store.deleteSession('A');
    expect(store.getSession('B')?.subscriptionCount).toBe(0);
    expect(store.stats()).toEqual({ members: 2, channels: 1, streams: 0 });
    store.deleteSession('B');
    store.deleteSession('C');
    expect(store.stats()).toEqual({ members: 0, channels: 0, streams: 0 });
    expect(store.deleteSession('C')).toBeUndefined();
  });
});
