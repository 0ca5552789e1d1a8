/**
 * docs/cluster.md, Nodes that die: a node SIGKILLed. Its members that come back elsewhere within peerTimeoutMs resume
 * (peers see nothing); the one that never comes back times out at the usual times, once, decided
 * by one surviving node.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { redisArgs } from './redis-target.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { onCleanup, testClient } from '../integration/harness.js';

const PEER_TIMEOUT_MS = 3000;
const STREAM_TIMEOUT_MS = 2000;
const NODE_TTL_MS = 600;

async function node(redisPrefix: string): Promise<ServerProcess> {
  const proc = await startServerProcess({
    args: [
      ...redisArgs(), '--redis-prefix', redisPrefix, '--node-ttl-ms', String(NODE_TTL_MS),
      '--peer-timeout-ms', String(PEER_TIMEOUT_MS), '--stream-timeout-ms', String(STREAM_TIMEOUT_MS),
    ],
  });
  onCleanup(() => proc.stop());
  return proc;
}

describe('node crash', () => {
  test('SIGKILL: members resume on other nodes unseen; a member that never returns times out once, on time', async () => {
    const prefix = `crash${randomBytes(3).toString('hex')}:`;
    const [a, b, c] = [await node(prefix), await node(prefix), await node(prefix)];
    const mover = testClient([a.url, b.url]);
    const stranded = testClient(a.url); // knows only node A: it cannot come back
    const watchers = [testClient(b.url), testClient(c.url)];
    await mover.client.join(null, 'crash', 1);
    await stranded.client.join(null, 'crash', 2);
    for (const [i, w] of watchers.entries()) await w.client.join(null, 'crash', 10 + i);
    await mover.client.publish();
    await stranded.client.publish();
    for (const w of watchers) await w.waitForEvent(() => w.log('stream-added').length === 2, 3000, 'both streams');

    a.kill('SIGKILL');
    const killedAt = Date.now();
    await mover.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', PEER_TIMEOUT_MS);
    for (const w of watchers) {
      const leave = await w.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 2, PEER_TIMEOUT_MS + 5000, 'the stranded member times out');
      const at = Date.now();
      expect(leave).toMatchObject({ reason: 'SERVER_TIMEOUT' });
      // Its silence began when node A went quiet: the peer timeout counts from there, not from its adoption.
      expect(at - killedAt).toBeGreaterThanOrEqual(PEER_TIMEOUT_MS - NODE_TTL_MS);
      expect(at - killedAt).toBeLessThan(PEER_TIMEOUT_MS + 2 * NODE_TTL_MS + 1500);
    }
    // A later member's arrival reaches everyone after anything the timeouts could still have sent.
    const late = testClient(c.url);
    await late.client.join(null, 'crash', 99);
    for (const w of watchers) {
      await w.waitForEvent((e) => e.type === 'peer-online' && e.uid === 99, 3000, 'the late member');
      expect(w.log('peer-leave', 'stream-removed')).toEqual(['stream-removed 2 NO_DATA', 'peer-leave 2 SERVER_TIMEOUT']);
      // UID 1 moved unseen: it came online once and never left.
      // In either order: the snapshot of a join lists the peers in the store's own order.
      expect(w.log('peer-online').filter((l) => l === 'peer-online 1' || l === 'peer-online 2').sort()).toEqual(['peer-online 1', 'peer-online 2']);
    }
    expect(mover.log('peer-leave')).toEqual(['peer-leave 2 SERVER_TIMEOUT']);
  });

  test('SIGKILL of the only other node of a channel: the subscriber resumes elsewhere, the data follows it, none is lost', async () => {
    const prefix = `crash${randomBytes(3).toString('hex')}:`;
    const [a, b, c] = [await node(prefix), await node(prefix), await node(prefix)];
    const pub = testClient(c.url);
    // Through a proxy, so the subscriber notices the crash only at its heartbeat deadline: until
    // then nobody else listens to the channel and node C may stop sending its data to Redis.
    const proxyA = await startFaultProxy({ target: { host: '127.0.0.1', port: a.port } });
    onCleanup(() => proxyA.close());
    const sub = testClient([proxyA.url(), b.url]);
    await pub.client.join(null, 'follow', 1);
    await sub.client.join(null, 'follow', 2);
    const stream = await pub.client.publish();
    await sub.waitForEvent((e) => e.type === 'stream-added');
    const remote = await sub.client.subscribe(1, stream.id);
    const got: number[] = [];
    remote.messages$.subscribe((m) => got.push(Number(m.data)));
    let sent = 0;
    const ticker = setInterval(() => stream.send(String(sent++)), 50);
    onCleanup(() => clearInterval(ticker));
    await sub.waitForEvent(() => got.length > 5, 3000, 'data before the crash');
    proxyA.blackhole('both');
    a.kill('SIGKILL');
    await sub.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', PEER_TIMEOUT_MS);
    const until = sent + 10;
    await sub.waitForEvent(() => got.includes(until), 3000, 'data again after the resume on node B');
    // docs/behaviour.md, Stream data across an outage, across nodes: what was sent while node A died and the subscriber moved is replayed
    // from Redis: nothing lost, doubled or reordered.
    const upTo = got.slice(0, got.indexOf(until) + 1);
    expect(upTo).toEqual(Array.from({ length: until - got[0]! + 1 }, (_, i) => got[0]! + i));
    expect(sub.events.filter((e) => e.type === 'stream-gap')).toEqual([]);
    expect(sub.events.filter((e) => e.type === 'connected').at(-1)).toEqual({ type: 'connected', resumed: true, recovered: true });
    expect(pub.log('peer-leave', 'stream-removed')).toEqual([]);
  });
});
