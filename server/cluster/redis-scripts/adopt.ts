import type { ClientRole } from '../../../src/wire-words.js';
import type { AdoptedSession, ChannelKey } from '../../store.js';
import type { RedisKeys } from '../redis-keys.js';
import { memberOf, uidFromKey } from '../redis-codec.js';
import { defineScript } from './script.js';

export interface AdoptCall {
  keys: RedisKeys;
  key: ChannelKey;
  dead: string;
  node: string;
}

export type AdoptedMember = Omit<AdoptedSession, 'key' | 'silentForMs'>;

/** The members of one channel that this node took over from a dead node. */
export const adopt = defineScript<AdoptCall, AdoptedMember[]>('adopt', {
  keys: (c) => [c.keys.members(c.key), c.keys.audience(c.key), c.keys.owned(c.key, c.dead), c.keys.owned(c.key, c.node)],
  argv: (c) => [c.dead, c.node],
  decode: (reply) => {
    const r = reply as string[];
    const adopted: AdoptedMember[] = [];
    for (let i = 0; i + 2 < r.length; i += 3) {
      const record = memberOf(r[i + 2]!);
      adopted.push({
        uid: uidFromKey(r[i]!),
        sessionId: record.sessionId,
        role: r[i + 1] as ClientRole,
        streams: record.streams,
        attributes: record.attributes ?? {},
      });
    }
    return adopted;
  },
});
