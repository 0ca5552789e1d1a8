/** After a long outage the returning client's view is rebuilt from a fresh snapshot, exactly (docs/behaviour.md, Resync after a gap). */
import { describe, expect, test } from 'vitest';
import { proxyTo, testClient, testServer, uidsOf } from './harness.js';

describe('resync after a long outage', () => {
  test('one event per change that happened during the gap, and peers$ equals the truth', async () => {
    const server = await testServer();
    const proxy = await proxyTo(server);
    const one = testClient(proxy.url());
    const two = testClient(server.url);
    const three = testClient(server.url);
    await two.client.join(null, 'gap', 2);
    await three.client.join(null, 'gap', 3);
    const threeStream = await three.client.publish();
    await one.client.join(null, 'gap', 1);
    expect(uidsOf(one.peers())).toEqual(['2', '3']);
    // A snapshot lists the peers in no particular order (on Redis, its hash order); a peer comes before its streams.
    expect(one.log('peer-online', 'stream-added').sort()).toEqual(['peer-online 2', 'peer-online 3', 'stream-added 3']);
    expect(one.log('peer-online', 'stream-added').indexOf('peer-online 3')).toBeLessThan(one.log('peer-online', 'stream-added').indexOf('stream-added 3'));

    proxy.blackhole('both');
    await one.waitForEvent((e) => e.type === 'connection-state-change' && e.prevState === 'CONNECTED', 3000);
    // While UID 1 is away: 3 leaves, 4 joins and publishes, and the server times UID 1 out.
    await three.client.leave();
    const four = testClient(server.url);
    await four.client.join(null, 'gap', 4);
    const fourStream = await four.client.publish();
    // Generous bounds: a loaded CI machine delays timers; the wait ends as soon as the event is in.
    await two.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 1, 10_000);
    const seenBeforeReturn = one.events.length;

    proxy.restore();
    await one.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 10_000);
    const truth = uidsOf(two.peers()).concat('2').filter((uid) => uid !== '1').sort();
    expect(uidsOf(one.peers())).toEqual(truth);
    expect(uidsOf(one.peers())).toEqual(['2', '4']);
    expect([...one.peers().get(4)!.streams]).toEqual([fourStream.id]);
    expect(one.peers().get(3)).toBeUndefined();
    expect(threeStream.id).not.toBe(fourStream.id);
    expect(one.log('peer-online', 'peer-leave', 'stream-added', 'stream-removed').slice(3)).toEqual([
      'stream-removed 3 PEER_LEFT',
      'peer-leave 3 SERVER_TIMEOUT',
      'peer-online 4',
      'stream-added 4',
    ]);
    // Nothing about UID 2, who never left, and nothing twice.
    expect(one.events.slice(seenBeforeReturn).filter((e) => 'uid' in e && e.uid === 2)).toEqual([]);
    // The other side of the story: UID 4 met the silent UID 1, saw it time out, then come back once.
    await four.waitForEvent(() => four.log('peer-online').filter((l) => l === 'peer-online 1').length === 2);
    expect(four.log('peer-online', 'peer-leave').filter((l) => l.includes(' 1'))).toEqual([
      'peer-online 1',
      'peer-leave 1 SERVER_TIMEOUT',
      'peer-online 1',
    ]);
  });
});
