// Global setup of the cluster project: one real redis-server for the whole run (each test's cluster
// uses its own key prefix). Tests that stop or restart Redis start their own.
import type { TestProject } from 'vitest/node';
import { startRedis } from '../support/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis://127.0.0.1:PORT of the shared test Redis. */
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.close();
}
