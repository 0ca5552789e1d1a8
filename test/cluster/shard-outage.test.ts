/**
 * docs/cluster.md, Redis outage, on a Redis Cluster: one shard (not the node registry's) killed
 * and restarted with its data lost. The members of its channels keep their sessions, resync and
 * converge once it is back; the channels of the other shards see nothing, and keep serving.
 */
import { describe, expect, test } from 'vitest';
import { startServer, type ChannelLinkServer } from 'channel-link/server';
import { startRedisCluster } from '../support/redis-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { FAST_SERVER, onCleanup, testClient, uidsOf, type TestClient } from '../integration/harness.js';

const PEER_TIMEOUT_MS = FAST_SERVER.peerTimeoutMs!;
const PREFIX = 'shard:';
const NODE_TTL_MS = 2000;

const topicOf = (channel: string) => `${PREFIX}c:{${JSON.stringify(['default', channel])}}`;
const truth = (clients: TestClient[], self: TestClient) =>
  clients.filter((c) => c !== self && c.client.getConnectionState() === 'CONNECTED').map((c) => String(c.uid)).sort();

async function healthOf(node: ChannelLinkServer): Promise<number> {
  return (await fetch(`${node.url.replace('ws', 'http')}/healthz`)).status;
}

describe('Redis Cluster: a shard outage', () => {
  test('a shard killed and restarted: members of its channels resync and converge, the other channels see nothing', async () => {
    const redis = await startRedisCluster(3);
    onCleanup(() => redis.close());
    const nodes: ChannelLinkServer[] = [];
    for (let i = 0; i < 2; i++) {
      // A node TTL well above this busy process's event-loop lag: no node is taken for dead here.
      const node = await startServer({ port: 0, ...FAST_SERVER, redisCluster: redis.nodes, redisPrefix: PREFIX, nodeTtlMs: NODE_TTL_MS });
      onCleanup(() => node.close());
      nodes.push(node);
    }
    const registry = redis.shardOf(`${PREFIX}{nodes}nodes`);
    const victim = redis.shards.find((s) => s !== registry)!;
    const pick = (onVictim: boolean) => {
      for (let i = 0; ; i++) if ((redis.shardOf(topicOf(`room-${i}`)) === victim) === onVictim) return `room-${i}`;
    };
    const [hit, safe] = [pick(true), pick(false)];

    // Four members in each channel, on alternate nodes; uid 1 publishes a stream.
    const crowd = (channel: string) => Array.from({ length: 4 }, (_, i) => Object.assign(testClient(nodes[i % 2]!.url), { uid: i + 1, channel }));
    const [hitClients, safeClients] = [crowd(hit), crowd(safe)];
    for (const c of [...hitClients, ...safeClients]) await c.client.join(null, c.channel, c.uid);
    await hitClients[0]!.client.publish();
    await safeClients[0]!.client.publish();
    for (const c of [...hitClients, ...safeClients]) {
      await waitFor(() => uidsOf(c.peers()).length === 3 && c.peers().get(1)?.streams.size === (c.uid === 1 ? undefined : 1), { message: `uid ${c.uid} of ${c.channel} sees everyone` });
    }
    const seenBefore = safeClients.map((c) => c.events.length);

    await victim.stop(); // SIGKILL: the shard's data is lost
    // Uid 2 of the hit channel (node B) quits during the outage: its node's members see it at once.
    await hitClients[1]!.client.leave();
    await hitClients[3]!.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 2, 3000, 'a local QUIT seen during the outage');
    // The other shards serve on: a newcomer joins the safe channel and everyone there sees it.
    const newcomer = Object.assign(testClient(nodes[1]!.url), { uid: 5, channel: safe });
    await newcomer.client.join(null, safe, 5);
    for (const c of safeClients) await c.waitForEvent((e) => e.type === 'peer-online' && e.uid === 5, 3000, 'the newcomer during the outage');
    // Only the channels of the shard that is down are affected: the nodes stay healthy.
    for (const node of nodes) expect(await healthOf(node)).toBe(200);

    await victim.start();
    await redis.settled();
    const live = hitClients.filter((c) => c.uid !== 2);
    await waitFor(() => live.every((c) => uidsOf(c.peers()).join() === truth(live, c).join()), {
      timeoutMs: 2 * PEER_TIMEOUT_MS + 10_000,
      message: "every peers$ of the hit channel equals the truth",
    });
    for (const c of live.filter((c) => c.uid !== 1)) await waitFor(() => c.peers().get(1)?.streams.size === 1, { message: "uid 1's stream is back" });
    // The channel works again: a late member's arrival reaches everyone.
    const late = Object.assign(testClient(nodes[0]!.url), { uid: 6, channel: hit });
    await late.client.join(null, hit, 6);
    for (const c of live) await c.waitForEvent((e) => e.type === 'peer-online' && e.uid === 6, 5000, 'the late member');
    expect(uidsOf(late.peers())).toEqual(['1', '3', '4']);
    // Uid 2 left once for everyone: QUIT on its own node; the other node learns it from the
    // resync (the shard lost it), after the hold, as a timeout.
    for (const c of live) expect(c.log('peer-leave')).toEqual([c.client === hitClients[3]!.client ? 'peer-leave 2 QUIT' : expect.stringMatching(/^peer-leave 2 (QUIT|SERVER_TIMEOUT)$/)]);

    // The safe channel saw the newcomer, and nothing else of the outage.
    for (const [i, c] of safeClients.entries()) {
      const since = c.events.slice(seenBefore[i]).filter((e) => ['peer-online', 'peer-leave', 'stream-added', 'stream-removed'].includes(e.type));
      expect(since.map((e) => `${e.type} ${'uid' in e ? String(e.uid) : ''}`)).toEqual(['peer-online 5']);
      expect(c.client.getConnectionState()).toBe('CONNECTED');
    }
  }, 60_000);
});
