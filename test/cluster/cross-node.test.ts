/**
 * docs/behaviour.md with the members on different nodes of one cluster (docs/cluster.md): resume on
 * another node, uid replacement across nodes, QUIT at once, data only to subscribers, every
 * timeout decided once, several URLs, a load balancer, drains.
 */
import { describe, expect, test } from 'vitest';
import { startFaultProxy } from '../support/fault-proxy.js';
import { waitFor } from '../support/wait-for.js';
import { onCleanup, proxyTo, testClient, testCluster, uidsOf } from '../integration/harness.js';
import { scanTarget } from './redis-keys.js';

describe('a channel spread over three nodes', () => {
  test('resume on another node within peerTimeoutMs: peers see nothing', async () => {
    const cluster = await testCluster({ peerTimeoutMs: 4000, streamTimeoutMs: 3000 });
    const [a, b, c] = cluster.nodes;
    const proxyA = await proxyTo(a!);
    const one = testClient([proxyA.url(), b!.url]);
    const two = testClient(c!.url);
    await one.client.join(null, 'resume-elsewhere', 1);
    await two.client.join(null, 'resume-elsewhere', 2);
    const stream = await one.client.publish();
    await two.waitForEvent((e) => e.type === 'stream-added' && e.uid === 1);
    expect(a!.stats().sessions).toBe(1);

    proxyA.blackhole('both'); // node A becomes unreachable for UID 1: it times out and moves on to B
    await one.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000);
    await waitFor(() => b!.stats().sessions === 1 && a!.stats().sessions === 0, { message: 'the session moved from A to B' });
    expect(two.log('peer-online', 'peer-leave', 'stream-added', 'stream-removed')).toEqual(['peer-online 1', 'stream-added 1']);
    // Data flows again from B to C, to the subscriber.
    const remote = await two.client.subscribe(1, stream.id);
    const got: string[] = [];
    remote.messages$.subscribe((m) => got.push(String(m.data)));
    stream.send('after-move');
    await waitFor(() => got.includes('after-move'), { message: 'data after the move' });
  });

  test('attributes and quality move with the session: set on node A, resumed on B, changed there', async () => {
    const cluster = await testCluster({ peerTimeoutMs: 4000, streamTimeoutMs: 3000 });
    const [a, b, c] = cluster.nodes;
    const proxyA = await proxyTo(a!);
    const one = testClient([proxyA.url(), b!.url]);
    const two = testClient(c!.url);
    await one.client.join(null, 'attrs-move', 1, { attributes: { name: 'Ada' } });
    await two.client.join(null, 'attrs-move', 2);
    await waitFor(() => two.peers().get(1)?.attributes.name === 'Ada', { message: 'C sees the attributes set on A' });
    await waitFor(() => (two.client.getRemoteNetworkQuality().get(1)?.uplinkNetworkQuality ?? 0) > 0, { timeoutMs: 8000, message: "C sees A's member's quality" });

    proxyA.blackhole('both');
    await one.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000);
    await waitFor(() => b!.stats().sessions === 1, { message: 'the session moved from A to B' });
    expect(two.peers().get(1)?.attributes).toEqual({ name: 'Ada' });
    await one.client.setAttributes({ name: 'Ada', where: 'B' });
    await waitFor(() => two.peers().get(1)?.attributes.where === 'B', { message: 'a change made on B reaches C' });
    expect(two.log('peer-online', 'peer-leave')).toEqual(['peer-online 1']);
  });

  test('a subscriber that resumes alone on another node still gets the data', async () => {
    const cluster = await testCluster({ peerTimeoutMs: 4000, streamTimeoutMs: 3000 });
    const [a, b, c] = cluster.nodes;
    const pub = testClient(a!.url);
    const proxyB = await proxyTo(b!);
    const sub = testClient([proxyB.url(), c!.url]);
    await pub.client.join(null, 'lonely', 1);
    await sub.client.join(null, 'lonely', 2);
    const stream = await pub.client.publish();
    await sub.waitForEvent((e) => e.type === 'stream-added');
    const remote = await sub.client.subscribe(1, stream.id);
    const got: string[] = [];
    remote.messages$.subscribe((m) => got.push(String(m.data)));
    stream.send('before');
    await waitFor(() => got.includes('before'), { message: 'data to node B' });
    proxyB.blackhole('both'); // the subscriber moves to node C, where nobody else of the channel is
    await sub.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000);
    await waitFor(() => c!.stats().sessions === 1, { message: 'the subscriber on node C' });
    // Node A may have stopped publishing the channel's data while nobody else listened: it must start again.
    await waitFor(
      () => {
        stream.send('after');
        return got.includes('after');
      },
      { timeoutMs: 3000, intervalMs: 100, message: 'data reaches the subscriber on node C' },
    );
  });

  test('uid replacement across nodes: UID_BANNED on the old node, no leave for peers', async () => {
    const cluster = await testCluster({ peerTimeoutMs: 20_000, streamTimeoutMs: 20_000 });
    const [a, b, c] = cluster.nodes;
    const first = testClient(a!.url);
    const second = testClient(b!.url);
    const peer = testClient(c!.url);
    await first.client.join(null, 'replace', 7);
    await peer.client.join(null, 'replace', 8);
    await second.client.join(null, 'replace', 7);
    await first.waitForEvent((e) => e.type === 'connection-state-change' && e.curState === 'DISCONNECTED');
    expect(first.log('connection-state-change').at(-1)).toBe('state CONNECTED->DISCONNECTED UID_BANNED');
    expect(peer.log('peer-online', 'peer-leave')).toEqual(['peer-online 7']);
    expect(uidsOf(second.peers())).toEqual(['8']);
    expect(a!.stats().sessions + b!.stats().sessions).toBe(1);
  });

  test('leave is a QUIT at once for peers on every node; data reaches subscribers only', async () => {
    const cluster = await testCluster({ peerTimeoutMs: 20_000, streamTimeoutMs: 20_000 });
    const [a, b, c] = cluster.nodes;
    const pub = testClient(a!.url);
    const sub = testClient(b!.url);
    const other = testClient(c!.url);
    await pub.client.join(null, 'fanout', 1);
    await sub.client.join(null, 'fanout', 2);
    await other.client.join(null, 'fanout', 3);
    const stream = await pub.client.publish();
    await sub.waitForEvent((e) => e.type === 'stream-added');
    await other.waitForEvent((e) => e.type === 'stream-added');
    const remote = await sub.client.subscribe(1, stream.id);
    const got: string[] = [];
    remote.messages$.subscribe((m) => got.push(String(m.data)));
    for (let i = 0; i < 20; i++) stream.send(`m${i}`);
    await waitFor(() => got.length === 20, { message: '20 messages on node B' });
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(other.events.some((e) => e.type === 'exception')).toBe(false);

    const left = Date.now();
    await pub.client.leave();
    for (const peer of [sub, other]) {
      await peer.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 1, 1000, 'QUIT on another node');
      expect(peer.log('stream-removed', 'peer-leave')).toEqual(['stream-removed 1 PEER_LEFT', 'peer-leave 1 QUIT']);
    }
    expect(Date.now() - left).toBeLessThan(1000);
  });

  test('a silent member times out once: every peer sees one stream-removed and one peer-leave', async () => {
    const cluster = await testCluster();
    const [a, b, c] = cluster.nodes;
    const proxy = await proxyTo(a!);
    const silent = testClient(proxy.url());
    const peers = [testClient(b!.url), testClient(c!.url), testClient(a!.url)];
    await silent.client.join(null, 'timeouts', 1);
    for (const [i, p] of peers.entries()) await p.client.join(null, 'timeouts', 10 + i);
    await silent.client.publish();
    for (const p of peers) await p.waitForEvent((e) => e.type === 'stream-added');
    proxy.blackhole('both');
    for (const p of peers) await p.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 1, 5000, 'timeout seen');
    // A later member's arrival reaches everyone after anything the timeouts could still have sent.
    const late = testClient(c!.url);
    await late.client.join(null, 'timeouts', 99);
    for (const p of peers) await p.waitForEvent((e) => e.type === 'peer-online' && e.uid === 99, 3000, 'the late member');
    for (const p of peers) expect(p.log('stream-removed', 'peer-leave')).toEqual(['stream-removed 1 NO_DATA', 'peer-leave 1 SERVER_TIMEOUT']);
  });

  test('behind a load balancer: a reconnect lands on another node and resumes there', async () => {
    const cluster = await testCluster({ peerTimeoutMs: 4000, streamTimeoutMs: 3000 });
    const targets = cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
    let turn = 0;
    const balancer = await startFaultProxy({ target: () => targets[turn++ % targets.length]! });
    onCleanup(() => balancer.close());
    const one = testClient(balancer.url());
    const two = testClient(cluster.nodes[2]!.url);
    await one.client.join(null, 'balanced', 1);
    await two.client.join(null, 'balanced', 2);
    const before = cluster.nodes.map((n) => n.stats().sessions);
    balancer.drop(); // every connection through the balancer is cut; the next one goes elsewhere
    await one.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000);
    await waitFor(() => cluster.nodes.map((n) => n.stats().sessions).join() !== before.join(), { message: 'the session on another node' });
    expect(two.log('peer-online', 'peer-leave')).toEqual(['peer-online 1']);
    expect(uidsOf(one.peers())).toEqual(['2']);
  });

  test('a drained node (close): its clients move to the next URL at once and resume; no key is left', async () => {
    const prefix = 'drain';
    const cluster = await testCluster({ peerTimeoutMs: 4000, streamTimeoutMs: 3000, redisPrefix: `${prefix}${Date.now()}:` });
    const [a, b, c] = cluster.nodes;
    const one = testClient([a!.url, b!.url]);
    const two = testClient([c!.url, b!.url]);
    await one.client.join(null, 'drain', 1);
    await two.client.join(null, 'drain', 2);
    await one.client.publish();
    await two.waitForEvent((e) => e.type === 'stream-added');
    await a!.close();
    await one.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 3000);
    expect(b!.stats().sessions).toBe(1);
    expect(two.log('peer-online', 'peer-leave', 'stream-added', 'stream-removed')).toEqual(['peer-online 1', 'stream-added 1']);
    await one.client.leave();
    await two.client.leave();
    const keys = await scanTarget(`${prefix}*`);
    expect(keys.filter((k) => /:(m|o):/.test(k))).toEqual([]);
  });
});
