/**
 * The cluster's cost (docs/cluster.md, Who knows what): idle members cost the store nothing (their liveness stays on their node), and
 * once every member has left, no channel key is left in Redis.
 */
import { describe, expect, inject, test } from 'vitest';
import { startRedis } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';
import { FAST_NODE_TTL_MS, onCleanup, testClient, testCluster } from '../integration/harness.js';
import { startServer } from 'channel-link/server';
import { scanKeys } from './redis-keys.js';
import { RawClient } from '../server/raw-client.js';

/** Commands Redis has run so far (INFO commandstats), the INFO calls themselves left out; `scripts` counts EVALSHA alone. */
function commandsRun(cli: (...args: string[]) => string): { total: number; scripts: number } {
  let total = 0;
  let scripts = 0;
  for (const line of cli('INFO', 'commandstats').split('\n')) {
    const m = /^cmdstat_([a-z|]+):calls=(\d+)/.exec(line.trim());
    if (!m || m[1] === 'info') continue;
    total += Number(m[2]);
    if (m[1] === 'evalsha') scripts += Number(m[2]);
  }
  return { total, scripts };
}

describe('cluster cost', () => {
  test('idle clients add no Redis command; after they leave no channel key remains', async () => {
    const redis = await startRedis();
    onCleanup(() => redis.close());
    const nodes: Awaited<ReturnType<typeof startServer>>[] = [];
    for (let i = 0; i < 2; i++) {
      const node = await startServer({ port: 0, logLevel: 'silent', peerTimeoutMs: 20_000, streamTimeoutMs: 20_000, redisUrl: redis.url, nodeTtlMs: FAST_NODE_TTL_MS });
      onCleanup(() => node.close());
      nodes.push(node);
    }
    const windowMs = 2 * FAST_NODE_TTL_MS;
    const measure = async () => {
      const before = commandsRun(redis.cli);
      const until = Date.now() + windowMs;
      await waitFor(() => Date.now() >= until, { timeoutMs: windowMs + 1000, intervalMs: 50 }); // a fixed measuring window
      const after = commandsRun(redis.cli);
      return { total: after.total - before.total, scripts: after.scripts - before.scripts };
    };
    // With no client the only commands are the nodes' TICK scripts, one every ttl/3 per node. A
    // node's first two TTLs skip the look for dead nodes, so the baseline is taken after them.
    await measure();
    const baseline = await measure();
    expect(baseline.scripts).toBeGreaterThan(0);
    const commandsPerTick = baseline.total / baseline.scripts;
    // A timer fires late, never early: no more ticks than this can fall in one window.
    const mostTicks = nodes.length * (Math.ceil(windowMs / (FAST_NODE_TTL_MS / 3)) + 1);

    const clients = Array.from({ length: 12 }, (_, i) => testClient(nodes[i % 2]!.url, { heartbeatIntervalMs: 100 }));
    for (const [i, c] of clients.entries()) {
      await c.client.join(null, `idle-${i % 3}`, i + 1);
      if (i % 2 === 0) await c.client.publish();
    }
    // The writes of the joins and publishes may still be landing, and each member shares its link
    // quality once it has measured both directions (its first report comes 2 s after joining):
    // idle means after that.
    const settled = () =>
      clients.every((c) => [...c.client.getRemoteNetworkQuality().values()].every((q) => q.uplinkNetworkQuality > 0 && q.downlinkNetworkQuality > 0));
    await waitFor(settled, { timeoutMs: 10_000, message: 'every member knows its peers\' quality' });
    // A change of a member's link quality is one write, told to its channel: a raw member of each
    // channel counts them, so a loaded machine's jittery heartbeats are told apart from a cost per heartbeat.
    const observers = await Promise.all([0, 1, 2].map((n) => RawClient.joined(nodes[n % 2]!.url, { channel: `idle-${n}`, uid: 100 + n, appId: 'default' })));
    for (const { client } of observers) onCleanup(() => client.close());
    await measure();
    for (const { client } of observers) client.clear();
    // 12 clients beating every 100 ms: one command per heartbeat would add ~140 in the window.
    const idle = await measure();
    const qualityWrites = observers.reduce((n, { client }) => n + client.events().filter((e) => e.type === 'quality').length, 0);
    expect(idle.scripts).toBeLessThanOrEqual(mostTicks + qualityWrites);
    expect(idle.total).toBeLessThanOrEqual(Math.ceil((mostTicks + qualityWrites) * commandsPerTick));
    // They leave as members do (a closed socket alone would wait out the peer timeout).
    for (const { client } of observers) await client.request({ type: 'leave' });

    for (const c of clients) await c.client.leave();
    const keys = await scanKeys(redis.url, '*');
    // The node registry, and each channel's event counter, which expires (docs/cluster.md, Keys).
    const counters = keys.filter((k) => k.startsWith('cl:s:{'));
    expect(keys).toEqual([...counters, 'cl:{nodes}heard', 'cl:{nodes}nodes']);
    expect(counters).toHaveLength(3);
    for (const counter of counters) expect(Number(redis.cli('PTTL', counter).trim())).toBeGreaterThan(0);
  });

  test('the SDK-level view: a three-node channel leaves no member or ownership key behind', async () => {
    const cluster = await testCluster({ redisPrefix: `hyg${Date.now()}:` });
    const clients = [testClient(cluster.url), testClient(cluster.url), testClient(cluster.url)];
    for (const [i, c] of clients.entries()) await c.client.join(null, 'hygiene', i + 1);
    for (const c of clients) await c.client.leave();
    await cluster.close();
    expect((await scanKeys(inject('redisUrl'), `hyg*`)).filter((k) => !k.includes(':s:{'))).toEqual([]);
  });
});
