/** Reads the test Redis directly (SCAN of every shard), to check what the cluster leaves behind. */
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { ON_REDIS_CLUSTER } from './redis-target.js';

export async function scanKeys(url: string, pattern: string): Promise<string[]> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys.sort();
  } finally {
    redis.disconnect();
  }
}

/** The keys matching `pattern` on the shared test Redis, or on every shard of the shared Redis Cluster. */
export async function scanTarget(pattern: string): Promise<string[]> {
  if (!ON_REDIS_CLUSTER) return scanKeys(inject('redisUrl'), pattern);
  const all = await Promise.all(inject('redisCluster').map((node) => scanKeys(`redis://${node}`, pattern)));
  return all.flat().sort();
}
