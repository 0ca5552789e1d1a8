/**
 * A real Redis Cluster for tests: `shards` redis-servers with `--cluster-enabled yes` (persistence
 * off), joined by `redis-cli --cluster create` with no replicas, so each shard owns a third of the
 * slots. `cluster-require-full-coverage no`: a shard that is down leaves the others serving
 * (docs/operations.md, Redis Cluster). Each shard can be stopped and started again on its port;
 * it keeps its nodes.conf, so it rejoins with its slots (and, like the tests' single Redis, no data).
 */
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { startRedisOn, type RedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

export interface RedisCluster {
  /** 'host:port' of every shard, as `redisCluster` takes them. */
  readonly nodes: string[];
  readonly shards: RedisServer[];
  /** The shard that serves a key's (or shard channel's) slot. */
  shardOf(key: string): RedisServer;
  /** Waits until every shard sees the cluster as ok again (after a shard restarted). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisCluster(shardCount = 3): Promise<RedisCluster> {
  const shards: RedisServer[] = [];
  try {
    for (let i = 0; i < shardCount; i++) {
      const busPort = await freePort();
      shards.push(
        await startRedisOn(await freePort(), [
          '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort),
          '--cluster-node-timeout', '1000', '--cluster-require-full-coverage', 'no',
        ]),
      );
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...shards.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}\n${create.stderr}`);
  } catch (error) {
    for (const s of shards) await s.close();
    throw error;
  }
  const settled = () =>
    waitFor(() => shards.every((s) => /cluster_state:ok/.test(s.cli('CLUSTER', 'INFO'))), { timeoutMs: 15_000, message: 'the Redis Cluster is ok' });
  await settled();
  const slotOwner = (key: string): RedisServer => {
    const slot = Number(shards[0]!.cli('CLUSTER', 'KEYSLOT', key).trim());
    for (const s of shards) {
      const line = s.cli('CLUSTER', 'NODES').split('\n').find((l) => l.includes('myself'))!;
      for (const part of line.split(' ').slice(8)) {
        const [from, to = from] = part.split('-').map(Number) as [number, number?];
        if (slot >= from && slot <= to!) return s;
      }
    }
    throw new Error(`no shard serves slot ${slot}`);
  };
  return {
    nodes: shards.map((s) => `127.0.0.1:${s.port}`),
    shards,
    shardOf: slotOwner,
    settled,
    async close() {
      for (const s of shards) await s.close();
    },
  };
}

/** A connected ioredis Cluster client on `nodes` (for tests that read the cluster's keys). */
export async function clusterClient(nodes: readonly string[]): Promise<InstanceType<typeof Redis.Cluster>> {
  const client = new Redis.Cluster(nodes.map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })), { lazyConnect: true });
  await client.connect();
  return client;
}
