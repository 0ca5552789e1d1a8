import { configDefaults, defineConfig } from 'vitest/config';
import { redisMissing } from './test/support/redis-server.js';

// The cluster project needs Debian's redis-server: without it (outside CI) it is left out, loudly.
const noRedis = redisMissing();
if (noRedis && process.env.CI === 'true') throw new Error(`${noRedis}. CI=true: the cluster tests must run, failing.`);
if (noRedis) process.stderr.write(`\n\x1b[33m[cluster] SKIPPING the cluster tests: ${noRedis}.\x1b[0m\n\n`);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/e2e/**', 'test/cluster/**'],
          // Integration tests start servers, workers and child processes; two cores only.
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      ...(noRedis
        ? []
        : [
            {
              extends: true,
              test: {
                name: 'cluster',
                // docs/behaviour.md once more, with three nodes on one Redis and the members spread over them,
                // plus the cluster's own scenarios.
                include: ['test/integration/**/*.test.ts', 'test/cluster/**/*.test.ts'],
                // A shard outage needs a Redis Cluster: project redis-cluster.
                exclude: [...configDefaults.exclude, 'test/cluster/shard-outage.test.ts'],
                globalSetup: ['test/cluster/global-setup.ts'],
                env: { CHANNEL_LINK_TEST_TOPOLOGY: 'cluster' },
                fileParallelism: true,
                maxWorkers: 2,
                // After the node project, not beside it: two files at a time on two cores, so no
                // timing-sensitive test runs on a machine four files deep.
                sequence: { groupOrder: 1 },
              },
            },
            {
              extends: true,
              test: {
                name: 'redis-cluster',
                // docs/cluster.md, Redis Cluster: the cross-node, node-crash and rolling-restart
                // scenarios once more on a 3-shard Redis Cluster, the server API (a listing over every
                // shard, kicks and bans) and the webhook queues, and a shard's outage (only these: the
                // rest of the cluster project runs on the single Redis, to keep CI short).
                include: [
                  'test/cluster/cross-node.test.ts',
                  'test/cluster/node-crash.test.ts',
                  'test/cluster/rolling-restart.test.ts',
                  'test/cluster/shard-outage.test.ts',
                  'test/integration/server-api.test.ts',
                  'test/integration/webhooks.test.ts',
                ],
                globalSetup: ['test/cluster/global-setup-redis-cluster.ts'],
                env: { CHANNEL_LINK_TEST_TOPOLOGY: 'cluster', CHANNEL_LINK_TEST_REDIS: 'cluster' },
                // Heavy scenarios (300 clients, killed processes, a killed shard) on two cores: one file
                // at a time, after the other projects, so none of them runs under another's load.
                fileParallelism: false,
                sequence: { groupOrder: 2 },
              },
            },
          ]),
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Finds Chromium and builds the demo once (only when e2e tests are queued).
          globalSetup: ['test/e2e/global-setup.ts'],
          // Real Chromium and timing-sensitive scenarios: one file at a time, after the node tests.
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
        },
      },
    ],
  },
});
