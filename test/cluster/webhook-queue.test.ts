/**
 * The Redis side of the cluster's webhook queues (docs/backend.md, Webhooks), on a real Redis: the
 * bounded push, the delivered event taken off the head only, and the lease that makes one node the
 * sender of a URL: taken only when events wait, renewed and given up only by its holder, kept by a
 * yield when an event arrived meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, test } from 'vitest';
import { RedisKeys } from '../../server/cluster/redis-keys.js';
import { webhookDelivered, webhookLease, webhookPush } from '../../server/cluster/redis-scripts/index.js';
import { ScriptRunner } from '../../server/cluster/redis-scripts/runner.js';
import { onCleanup } from '../integration/harness.js';

function setup() {
  const redis = new Redis(inject('redisUrl'));
  onCleanup(() => redis.quit());
  const keys = new RedisKeys(`whq${randomBytes(3).toString('hex')}:`);
  const scripts = new ScriptRunner(redis);
  const queue = keys.webhookQueue('u1');
  const lease = keys.webhookLease('u1');
  const leaseOf = (holder: string, action: 'take' | 'renew' | 'yield' | 'drop') => scripts.run(webhookLease, { lease, queue, holder, action, ms: 10_000 });
  return { redis, scripts, queue, lease, leaseOf };
}

describe('webhook queue scripts', () => {
  test('a push past the limit is dropped; only the delivered head leaves', async () => {
    const { redis, scripts, queue } = setup();
    expect(await scripts.run(webhookPush, { queue, body: 'e1', limit: 2 })).toEqual({ length: 1, dropped: false });
    expect(await scripts.run(webhookPush, { queue, body: 'e2', limit: 2 })).toEqual({ length: 2, dropped: false });
    expect(await scripts.run(webhookPush, { queue, body: 'e3', limit: 2 })).toEqual({ length: 2, dropped: true });
    // A body that is not the head (another sender took it already) leaves nothing.
    expect(await scripts.run(webhookDelivered, { queue, body: 'e2' })).toBe(2);
    expect(await scripts.run(webhookDelivered, { queue, body: 'e1' })).toBe(1);
    expect(await redis.lrange(queue, 0, -1)).toEqual(['e2']);
  });

  test('the lease: one holder, taken only when events wait, renewed and given up by its holder alone', async () => {
    const { redis, scripts, queue, lease, leaseOf } = setup();
    expect(await leaseOf('A', 'take')).toBe('free'); // nothing to send
    await scripts.run(webhookPush, { queue, body: 'e1', limit: 10 });
    expect(await leaseOf('A', 'take')).toBe('held');
    expect(await leaseOf('B', 'take')).toBe('other');
    expect(await leaseOf('B', 'renew')).toBe('other');
    expect(await leaseOf('B', 'drop')).toBe('other');
    expect(await redis.get(lease)).toBe('A');
    // A yield with an event still queued keeps the lease: that event is still A's to send.
    expect(await leaseOf('A', 'yield')).toBe('held');
    await scripts.run(webhookDelivered, { queue, body: 'e1' });
    expect(await leaseOf('A', 'yield')).toBe('free');
    expect(await redis.exists(lease)).toBe(0);
    await scripts.run(webhookPush, { queue, body: 'e2', limit: 10 });
    expect(await leaseOf('B', 'take')).toBe('held');
    expect(await redis.pttl(lease)).toBeGreaterThan(9000);
    expect(await leaseOf('B', 'drop')).toBe('free');
    expect(await leaseOf('A', 'renew')).toBe('free');
  });

  test('the queue and its lease share a hash slot', () => {
    const keys = new RedisKeys('cl:');
    const tag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];
    expect(tag(keys.webhookQueue('abc'))).toBe('abc');
    expect(tag(keys.webhookLease('abc'))).toBe('abc');
  });
});
