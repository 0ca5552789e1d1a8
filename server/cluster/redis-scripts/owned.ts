import type { ChannelKey, MemberRef } from '../../store.js';
import type { RedisKeys } from '../redis-keys.js';
import { uidFromKey } from '../redis-codec.js';
import { defineScript } from './script.js';

/** The members of one channel that this node owns. */
export const owned = defineScript<{ keys: RedisKeys; key: ChannelKey; node: string }, Omit<MemberRef, 'key'>[]>('owned', {
  keys: (c) => [c.keys.members(c.key), c.keys.audience(c.key), c.keys.owned(c.key, c.node)],
  argv: (c) => [c.node],
  decode: (reply) => {
    const r = reply as string[];
    const out: Omit<MemberRef, 'key'>[] = [];
    for (let i = 0; i + 1 < r.length; i += 2) out.push({ uid: uidFromKey(r[i]!), sessionId: r[i + 1]! });
    return out;
  },
});
