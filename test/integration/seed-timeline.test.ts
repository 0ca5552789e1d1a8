/**
 * docs/behaviour.md, The timeline (T0-T10), then Leaving, as one story: UID 1 reaches the server through a
 * fault proxy, UID 2 directly; UID 1's link goes half-open, times out on both sides, comes back.
 */
import { describe, expect, test } from 'vitest';
import { proxyTo, testClient, testServer } from './harness.js';

describe('seed timeline T0-T10', () => {
  test('join, publish, half-open outage, server timeouts, rejoin, leave', async () => {
    const server = await testServer();
    const proxy = await proxyTo(server);
    const one = testClient(proxy.url());
    const two = testClient(server.url);

    // T0-T2: UID 2 is in the channel; UID 1 joins, is CONNECTED, and each sees the other.
    await two.client.join(null, 'room-1', 2);
    expect(await one.client.join(null, 'room-1', 1)).toBe(1);
    expect(one.client.getConnectionState()).toBe('CONNECTED');
    expect([...(one.peers().keys())]).toEqual([2]);
    expect(one.log()).toEqual([
      'state DISCONNECTED->CONNECTING JOIN',
      'state CONNECTING->CONNECTED JOINED',
      'connected',
      'peer-online 2',
    ]);
    const online = await two.waitForEvent((e) => e.type === 'peer-online' && e.uid === 1);
    expect(online).toEqual({ type: 'peer-online', uid: 1, attributes: {} });

    // T3-T4: UID 1 publishes; UID 2 sees the stream.
    const stream = await one.client.publish();
    await two.waitForEvent((e) => e.type === 'stream-added' && e.uid === 1 && e.streamId === stream.id);

    // T5, T7: UID 1's link goes half-open (nothing arrives, no socket error fires); UID 1 notices.
    proxy.blackhole('both');
    const drop = await one.waitForEvent((e) => e.type === 'connection-state-change' && e.prevState === 'CONNECTED', 3000);
    expect(drop).toMatchObject({ curState: 'CONNECTING', reason: 'TIMEOUT' });

    // T6, T8: the server hears nothing: stream-removed NO_DATA, then peer-leave SERVER_TIMEOUT.
    await two.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 1, 5000, 'peer-leave of UID 1');
    expect(two.log('stream-removed', 'peer-leave')).toEqual(['stream-removed 1 NO_DATA', 'peer-leave 1 SERVER_TIMEOUT']);
    expect(two.peers().has(1)).toBe(false);
    expect(one.log('connection-state-change', 'exception')).toEqual([
      'state DISCONNECTED->CONNECTING JOIN',
      'state CONNECTING->CONNECTED JOINED',
      'state CONNECTED->CONNECTING TIMEOUT',
    ]);
    expect(one.client.getConnectionState()).toBe('CONNECTING');

    // T9-T10: the network returns; UID 1 rejoins and republishes; UID 2 sees it come back.
    proxy.restore();
    await one.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000);
    expect(one.log('connection-state-change', 'connected').slice(-2)).toEqual(['state CONNECTING->CONNECTED RECONNECTED', 'connected']);
    await two.waitForEvent((e) => e.type === 'stream-added' && e.uid === 1 && two.log('stream-added').length === 2);
    expect(two.log('peer-online', 'peer-leave', 'stream-added', 'stream-removed')).toEqual([
      'peer-online 1',
      'stream-added 1',
      'stream-removed 1 NO_DATA',
      'peer-leave 1 SERVER_TIMEOUT',
      'peer-online 1',
      'stream-added 1',
    ]);
    expect([...(two.peers().get(1)?.streams ?? [])]).toEqual([stream.id]);
    // UID 2 never left, so UID 1's view after the resync is unchanged: no duplicate events.
    expect(one.log('peer-online', 'peer-leave')).toEqual(['peer-online 2']);

    // Then UID 1 leaves (docs/behaviour.md, Leaving); UID 2 sees QUIT at once, well before the 1500 ms peer timeout could fire.
    const leaveAt = Date.now();
    await one.client.leave();
    expect(one.log('connection-state-change').slice(-2)).toEqual([
      'state CONNECTED->DISCONNECTING LEAVE',
      'state DISCONNECTING->DISCONNECTED LEAVE',
    ]);
    const quit = await two.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 1 && e.reason === 'QUIT');
    expect(quit).toMatchObject({ reason: 'QUIT' });
    expect(Date.now() - leaveAt).toBeLessThan(1000);
    expect(two.log('stream-removed').at(-1)).toBe('stream-removed 1 PEER_LEFT');
  });
});
