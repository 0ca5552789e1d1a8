/**
 * The Redis store's connections: one command client (a Redis, or ioredis's Cluster, which sends
 * each command to the shard of its key) and, per shard, one subscriber of that shard's channels
 * (sharded pub/sub: a channel's topic lives on the shard of its slot). A single Redis is one shard
 * that holds every slot. Each shard is up or down on its own: its subscriber's connection is the
 * signal, and a shard that is down affects only its channels (docs/cluster.md, Redis outage).
 */
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { keySlot } from './key-slot.js';

export interface Shard {
  /** 'host:port' of its master (the URL, redacted, on a single Redis). */
  readonly id: string;
  readonly sub: Redis;
  up: boolean;
  everUp: boolean;
  readying: Promise<void> | null;
  retryTimer: NodeJS.Timeout | undefined;
}

export type Where = { url: string } | { cluster: readonly string[] };

const CONNECT_TIMEOUT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 3_000;

const connectionOptions: RedisOptions = {
  lazyConnect: true,
  // Fail fast while Redis is away: the node answers for itself instead of queueing.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: CONNECT_TIMEOUT_MS,
  commandTimeout: COMMAND_TIMEOUT_MS,
  retryStrategy: (times) => Math.min(100 * times, 1_000),
};
// A subscriber waits for messages (no command timeout) and resubscribes itself, one slot at a time.
const subscriberOptions: RedisOptions = { ...connectionOptions, commandTimeout: undefined, autoResubscribe: false };

function hostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

export class RedisShards {
  readonly cmd: Redis | Cluster;
  readonly clustered: boolean;
  private readonly shards = new Map<string, Shard>();
  private onShard: ((shard: Shard) => void) | null = null;
  private registry: Redis | null = null;
  private connected = false;

  constructor(private readonly where: Where) {
    if ('url' in where) {
      this.clustered = false;
      this.cmd = new Redis(where.url, connectionOptions);
    } else {
      this.clustered = true;
      this.cmd = new Redis.Cluster(
        where.cluster.map(hostPort),
        // Reads and writes go to masters: a replica could answer a snapshot from before a write.
        { lazyConnect: true, enableOfflineQueue: false, scaleReads: 'master', redisOptions: connectionOptions, clusterRetryStrategy: (times) => Math.min(100 * times, 1_000) },
      );
    }
  }

  /** Connects the command client and learns the shards; `onShard` wires each new shard's subscriber. */
  async connect(onShard: (shard: Shard) => void): Promise<void> {
    this.onShard = onShard;
    await this.cmd.connect();
    if (!this.clustered) this.shardAt(redact((this.where as { url: string }).url));
    else for (const owners of (this.cmd as Cluster).slots) if (owners?.[0]) this.shardAt(owners[0]);
    await Promise.all([...this.shards.values()].map((s) => s.sub.connect()));
    this.connected = true;
  }

  /**
   * On a Redis Cluster, a connection of its own to the master of the node registry's slot: the
   * heartbeats never wait behind the Cluster client's handling of another shard's failure. (The
   * single Redis's command connection otherwise.) Its health follows that shard's subscriber.
   */
  registryClient(registryKey: string): Redis {
    if (!this.clustered) return this.cmd as Redis;
    if (!this.registry) {
      const owner = (this.cmd as Cluster).slots[keySlot(registryKey)]?.[0];
      if (!owner) throw new Error('the cluster names no master for the node registry');
      this.registry = new Redis({ ...hostPort(owner), ...connectionOptions, lazyConnect: false });
      this.registry.on('error', () => {});
    }
    return this.registry;
  }

  all(): Shard[] {
    return [...this.shards.values()];
  }

  /** The shard that serves a key's or topic's slot, or undefined while the cluster does not say. */
  shardOf(key: string): Shard | undefined {
    if (!this.clustered) return this.shards.values().next().value;
    const owner = (this.cmd as Cluster).slots[keySlot(key)]?.[0];
    return owner ? this.shardAt(owner) : undefined;
  }

  /**
   * Whether the command client can use the shard now: a single Redis is ready; a Cluster master is
   * connected and sees the cluster as ok (a restarted shard refuses commands until it has rejoined).
   */
  async usable(shard: Shard): Promise<boolean> {
    if (!this.clustered) return this.cmd.status === 'ready';
    const node = this.masterOf(shard);
    if (!node) {
      // Dropped from the client's pool while it was down: the next map of the slots brings it back.
      await new Promise<void>((resolve) => (this.cmd as Cluster).refreshSlotsCache(() => resolve()));
      return false;
    }
    const info = String(await node.cluster('INFO'));
    return info.includes('cluster_state:ok');
  }

  /** Every key of the shard that matches `pattern` (SCAN: used on adoption and after an outage only). */
  async scan(shard: Shard, pattern: string): Promise<string[]> {
    const node = this.clustered ? this.masterOf(shard) : (this.cmd as Redis);
    if (!node) throw new Error(`redis shard ${shard.id} is not connected`);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  async close(): Promise<void> {
    const quit = (c: Redis | Cluster) => c.quit().catch(() => c.disconnect());
    await Promise.all([quit(this.cmd), ...this.all().map((s) => quit(s.sub)), ...(this.registry ? [quit(this.registry)] : [])]);
  }

  /** The command client's connection to the shard's master, if it has one. */
  private masterOf(shard: Shard): Redis | undefined {
    return (this.cmd as Cluster).nodes('master').find((n) => `${n.options.host}:${n.options.port}` === shard.id);
  }

  /** The shard of a master, its subscriber created the first time (a shard that joined the cluster later too). */
  private shardAt(id: string): Shard {
    let shard = this.shards.get(id);
    if (!shard) {
      const sub = this.clustered ? new Redis({ ...hostPort(id), ...subscriberOptions }) : new Redis((this.where as { url: string }).url, subscriberOptions);
      shard = { id, sub, up: false, everUp: false, readying: null, retryTimer: undefined };
      this.shards.set(id, shard);
      this.onShard?.(shard);
      if (this.connected) sub.connect().catch(() => {});
    }
    return shard;
  }
}

/** A Redis URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
