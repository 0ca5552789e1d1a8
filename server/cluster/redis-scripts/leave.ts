import type { PeerLeaveReason } from '../../../src/wire-words.js';
import type { CountsAt } from '../../store.js';
import { channelArgv, channelKeys, declaredKeys, redeclare, type ChannelCall } from './channel-args.js';
import { defineScript } from './script.js';

export interface MemberCall extends ChannelCall {
  uk: string;
  sessionId: string;
  node: string;
}

/** The counts after the member left, or null when the session was not this node's. */
export const leave = defineScript<MemberCall & { reason: PeerLeaveReason; windowMs: number }, CountsAt | null>('leave', {
  keys: (c) => [...channelKeys(c), c.keys.owned(c.key, c.node), ...declaredKeys(c)],
  argv: (c) => [...channelArgv(c), c.uk, c.sessionId, c.node, c.reason, c.windowMs],
  declare: redeclare,
  decode: (reply) => countsAfter(reply as (number | string)[]),
});

/** {1, seq, hosts, audience} -> counts; {0} -> null. */
export function countsAfter(r: (number | string)[]): CountsAt | null {
  if (Number(r[0]) !== 1) return null;
  return { seq: Number(r[1]), hosts: Number(r[2]), audience: Number(r[3]) };
}
