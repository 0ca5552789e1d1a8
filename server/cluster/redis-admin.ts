/**
 * The server API's side of the Redis store (docs/backend.md, Server API): any node reads the
 * whole cluster's channels and members from Redis, and a kick reaches the node that owns the
 * member over that node's topic. Bans are keys that expire by themselves.
 */
import type { Redis } from 'ioredis';
import type { Uid } from '../../src/types.js';
import type { ClientRole } from '../../src/wire-words.js';
import { parseChannelKey, type ChannelAdmin, type ChannelKey, type ChannelSummary, type MemberInfo, type MemberPage } from '../store.js';
import { memberOf, uidFromKey, ukOf } from './redis-codec.js';
import type { RedisKeys } from './redis-keys.js';

/** What the admin needs of its store: the command connection, the keys, this node, and how to run a command (outages become StoreUnavailableError). */
export interface RedisAdminHost {
  readonly cmd: Redis;
  readonly keys: RedisKeys;
  node(): string;
  guard<T>(run: () => Promise<T>): Promise<T>;
  /** A kick of a session this node owns. */
  kickLocal(sessionId: string, message: string): void;
}

/** The node-topic message that asks a node to kick one of its sessions: "kick|sessionId|message". */
export const kickMessage = (sessionId: string, message: string): string => `kick|${sessionId}|${message}`;

const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');
const SCAN_COUNT = 1000;

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

  listChannels(appId: string): Promise<ChannelSummary[]> {
    const { cmd, keys } = this.host;
    return this.host.guard(async () => {
      const found = new Set<string>();
      for (const prefix of [keys.membersPrefix, keys.audiencePrefix]) {
        let cursor = '0';
        do {
          const [next, names] = await cmd.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', SCAN_COUNT);
          cursor = next;
          for (const name of names) found.add(name.slice(prefix.length));
        } while (cursor !== '0');
      }
      const mine = [...found].filter((key) => parseChannelKey(key as ChannelKey).appId === appId);
      return Promise.all(
        mine.map(async (key) => {
          const [hosts, audience] = await Promise.all([cmd.hlen(keys.members(key)), cmd.hlen(keys.audience(key))]);
          return { channel: parseChannelKey(key as ChannelKey).channel, hosts, audience };
        }),
      ).then((all) => all.filter((c) => c.hosts + c.audience > 0));
    });
  }

  members(key: ChannelKey, role: ClientRole, limit: number, cursor: string | null): Promise<MemberPage> {
    const { cmd, keys } = this.host;
    return this.host.guard(async () => {
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
    return this.host.guard(async () => {
      const uk = ukOf(uid);
      const value = (await cmd.hget(keys.members(key), uk)) ?? (await cmd.hget(keys.audience(key), uk));
      if (value === null) return false;
      const { sessionId, node } = memberOf(value);
      if (node === this.host.node()) this.host.kickLocal(sessionId, message);
      else await cmd.publish(keys.nodeTopic(node), kickMessage(sessionId, message));
      return true;
    });
  }

  ban(key: ChannelKey, uid: Uid, untilMs: number): Promise<void> {
    const ms = Math.max(1, Math.ceil(untilMs - Date.now()));
    return this.host.guard(async () => {
      await this.host.cmd.set(this.host.keys.ban(key, ukOf(uid)), String(untilMs), 'PX', ms);
    });
  }

  bannedUntil(key: ChannelKey, uid: Uid): Promise<number | null> {
    return this.host.guard(async () => {
      const value = await this.host.cmd.get(this.host.keys.ban(key, ukOf(uid)));
      const until = value === null ? NaN : Number(value);
      return until > Date.now() ? until : null;
    });
  }
}
