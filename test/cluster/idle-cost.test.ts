/**
 * DESIGN §8 cost: idle members cost the store nothing (their liveness stays on their node), and
 * once every member has left, no channel key is left in Redis.
 */
import { describe, expect, inject, test } from 'vitest';
import { startRedis } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';
import { FAST_NODE_TTL_MS, onCleanup, testClient, testCluster } from '../integration/harness.js';
import { startServer } from 'channel-link/server';
import { scanKeys } from './redis-keys.js';

/** Commands Redis has run so far (INFO commandstats), the INFO calls themselves left out. */
function commandsRun(cli: (...args: string[]) => string): number {
  let total = 0;
  for (const line of cli('INFO', 'commandstats').split('\n')) {
    const m = /^cmdstat_([a-z|]+):calls=(\d+)/.exec(line.trim());
    if (m && m[1] !== 'info') total += Number(m[2]);
  }
  return total;
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
      return commandsRun(redis.cli) - before;
    };
    const baseline = await measure();

    const clients = Array.from({ length: 12 }, (_, i) => testClient(nodes[i % 2]!.url, { heartbeatIntervalMs: 100 }));
    for (const [i, c] of clients.entries()) {
      await c.client.join(null, `idle-${i % 3}`, i + 1);
      if (i % 2 === 0) await c.client.publish();
    }
    const idle = await measure();
    // Only the nodes' own heartbeats run: the same count as with no client, give or take a tick.
    expect(Math.abs(idle - baseline)).toBeLessThanOrEqual(10);

    for (const c of clients) await c.client.leave();
    const keys = await scanKeys(redis.url, '*');
    expect(keys).toEqual(['cl:heard', 'cl:nodes', 'cl:seq']);
  });

  test('the SDK-level view: a three-node channel leaves no member or ownership key behind', async () => {
    const cluster = await testCluster({ redisPrefix: `hyg${Date.now()}:` });
    const clients = [testClient(cluster.url), testClient(cluster.url), testClient(cluster.url)];
    for (const [i, c] of clients.entries()) await c.client.join(null, 'hygiene', i + 1);
    for (const c of clients) await c.client.leave();
    await cluster.close();
    expect(await scanKeys(inject('redisUrl'), `hyg*`)).toEqual([]);
  });
});
