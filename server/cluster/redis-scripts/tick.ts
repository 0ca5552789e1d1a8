import type { ClientRole } from '../../../src/wire-words.js';
import type { AdoptedSession, ChannelKey } from '../../store.js';
import type { RedisKeys } from '../redis-keys.js';
import { memberOf, uidFromKey } from '../redis-codec.js';
import { defineScript } from './script.js';

export interface TickReply {
  /** This node had been removed from the registry (taken for dead) before this tick. */
  wasAbsent: boolean;
  adopted: AdoptedSession[];
}

export const tick = defineScript<{ keys: RedisKeys; node: string; ttlMs: number; mayClaim: boolean }, TickReply>('tick', {
  keys: (c) => [c.keys.nodes, c.keys.heard, c.keys.owned(c.node)],
  argv: (c) => [c.keys.ownedPrefix, c.keys.membersPrefix, c.keys.audiencePrefix, c.node, c.ttlMs, c.mayClaim ? 1 : 0],
  decode: (reply) => {
    const r = reply as string[];
    const adopted: AdoptedSession[] = [];
    for (let i = 1; i + 4 < r.length; i += 5) {
      const record = memberOf(r[i + 3]!);
      adopted.push({
        key: r[i] as ChannelKey,
        uid: uidFromKey(r[i + 1]!),
        sessionId: record.sessionId,
        role: r[i + 2] as ClientRole,
        streams: record.streams,
        attributes: record.attributes ?? {},
        silentForMs: Number(r[i + 4]),
      });
    }
    return { wasAbsent: r[0] === '1', adopted };
  },
});
