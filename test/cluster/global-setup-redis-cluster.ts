// Global setup of the redis-cluster project: one real 3-shard Redis Cluster for the whole run (each
// test's cluster uses its own key prefix). Tests that stop a shard start their own.
import type { TestProject } from 'vitest/node';
import { startRedisCluster } from '../support/redis-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** 'host:port' of every shard of the shared test Redis Cluster. */
    redisCluster: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster(3);
  project.provide('redisCluster', cluster.nodes);
  return () => cluster.close();
}
