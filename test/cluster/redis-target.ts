/**
 * Which Redis the cluster tests run on: the shared single Redis (project 'cluster'), or the shared
 * 3-shard Redis Cluster (project 'redis-cluster', which runs the cross-node, rolling-restart and
 * node-crash tests once more on it). The same tests, the same options, one switch.
 */
import { inject } from 'vitest';
import type { ServerOptions } from 'channel-link/server';

export const ON_REDIS_CLUSTER = process.env.CHANNEL_LINK_TEST_REDIS === 'cluster';

/** The server options that put a node on the shared test Redis. */
export function redisTarget(): Pick<ServerOptions, 'redisUrl' | 'redisCluster'> {
  return ON_REDIS_CLUSTER ? { redisCluster: inject('redisCluster') } : { redisUrl: inject('redisUrl') };
}

/** The same as CLI arguments. */
export function redisArgs(): string[] {
  return ON_REDIS_CLUSTER ? ['--redis-cluster', inject('redisCluster').join(',')] : ['--redis-url', inject('redisUrl')];
}
