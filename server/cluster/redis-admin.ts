/**
 * The server API's side of the Redis store (docs/backend.md, Server API): any node reads the
 * whole cluster's channels and members from Redis, and a kick reaches the node that owns the
 * member over that node's topic. Bans are keys that expire by themselves, in the channel's slot.
 * On a Redis Cluster a channel's reads run on its shard; the listing scans every shard.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Uid } from '../../src/types.js';
import type { ClientRole } from '../../src/wire-words.js';
import { parseChannelKey, type ChannelAdmin, type ChannelKey, type ChannelSummary, type MemberInfo, type MemberPage } from '../store.js';
import { memberOf, uidFromKey, ukOf } from './redis-codec.js';
import type { RedisKeys } from './redis-keys.js';

/** What the admin needs of its store: the command client, the keys, this node, and how to reach Redis (outages become StoreUnavailableError). */
export interface RedisAdminHost {
  readonly cmd: Redis | Cluster;
  readonly keys: RedisKeys;
  node(): string;
  /** Runs commands on the channel's shard. */
  guard<T>(key: ChannelKey, run: () => Promise<T>): Promise<T>;
  /** Every key matching a SCAN pattern, over every shard. */
  scanAll(pattern: string): Promise<string[]>;
  /** Sends a message on another node's topic. */
  tellNode(node: string, message: string): Promise<void>;
  /** A kick of a session this node owns. */
  kickLocal(sessionId: string, message: string): void;
}

/** The node-topic message that asks a node to kick one of its sessions: "kick|sessionId|message". */
export const kickMessage = (sessionId: string, message: string): string => `kick|${sessionId}|${message}`;


function infoOf(uk: string, value: string, role: ClientRole): MemberInfo {
  const m = memberOf(value);
  return { uid: uidFromKey(uk), role, attributes: m.attributes ?? {}, streams: m.streams, quality: m.quality ?? null, joinedAt: m.joinedAt };
}

/** [field, value, field, value, ...] as pairs. */
function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

export class RedisAdmin implements ChannelAdmin {
  constructor(private readonly host: RedisAdminHost) {}

  async listChannels(appId: string): Promise<ChannelSummary[]> {
    const { cmd, keys } = this.host;
    const found = new Set<ChannelKey>();
    for (const role of ['host', 'audience'] as const) for (const name of await this.host.scanAll(keys.rolePattern(role))) found.add(keys.keyOfRole(name) as ChannelKey);
    const mine = [...found].filter((key) => parseChannelKey(key).appId === appId);
    const all = await Promise.all(
      mine.map((key) =>
        this.host.guard(key, async () => {
          const [hosts, audience] = await Promise.all([cmd.hlen(keys.members(key)), cmd.hlen(keys.audience(key))]);
          return { channel: parseChannelKey(key).channel, hosts, audience };
        }),
      ),
    );
    return all.filter((c) => c.hosts + c.audience > 0);
  }

  members(key: ChannelKey, role: ClientRole, limit: number, cursor: string | null): Promise<MemberPage> {
    const { cmd, keys } = this.host;
    return this.host.guard(key, async () => {
      const [hosts, audience] = await Promise.all([cmd.hlen(keys.members(key)), cmd.hlen(keys.audience(key))]);
      const counts = { hosts, audience };
      if (role === 'host') {
        const all = await cmd.hgetall(keys.members(key));
        return { counts, members: Object.entries(all).map(([uk, value]) => infoOf(uk, value, 'host')), next: null };
      }
      // HSCAN pages the audience without blocking Redis; its COUNT is a hint, so a page may be a little larger or smaller.
      const [next, flat] = await cmd.hscan(keys.audience(key), cursor ?? '0', 'COUNT', limit);
      return { counts, members: pairs(flat).map(([uk, value]) => infoOf(uk, value, 'audience')), next: next === '0' ? null : next };
    });
  }

  kick(key: ChannelKey, uid: Uid, message: string): Promise<boolean> {
    const { cmd, keys } = this.host;
    return this.host.guard(key, async () => {
      const uk = ukOf(uid);
      const value = (await cmd.hget(keys.members(key), uk)) ?? (await cmd.hget(keys.audience(key), uk));
      if (value === null) return false;
      const { sessionId, node } = memberOf(value);
      if (node === this.host.node()) this.host.kickLocal(sessionId, message);
      else await this.host.tellNode(node, kickMessage(sessionId, message));
      return true;
    });
  }

  ban(key: ChannelKey, uid: Uid, untilMs: number): Promise<void> {
    const ms = Math.max(1, Math.ceil(untilMs - Date.now()));
    return this.host.guard(key, async () => {
      await this.host.cmd.set(this.host.keys.ban(key, ukOf(uid)), String(untilMs), 'PX', ms);
    });
  }

  bannedUntil(key: ChannelKey, uid: Uid): Promise<number | null> {
    return this.host.guard(key, async () => {
      const value = await this.host.cmd.get(this.host.keys.ban(key, ukOf(uid)));
      const until = value === null ? NaN : Number(value);
      return until > Date.now() ? until : null;
    });
  }
}
