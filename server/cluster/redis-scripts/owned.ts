import type { ChannelKey, MemberRef } from '../../store.js';
import type { RedisKeys } from '../redis-keys.js';
import { uidFromKey } from '../redis-codec.js';
import { defineScript } from './script.js';

export const owned = defineScript<{ keys: RedisKeys; node: string }, MemberRef[]>('owned', {
  keys: (c) => [c.keys.owned(c.node)],
  argv: (c) => [c.keys.membersPrefix, c.keys.audiencePrefix, c.node],
  decode: (reply) => {
    const r = reply as string[];
    const out: MemberRef[] = [];
    for (let i = 0; i + 2 < r.length; i += 3) out.push({ key: r[i] as ChannelKey, uid: uidFromKey(r[i + 1]!), sessionId: r[i + 2]! });
    return out;
  },
});
