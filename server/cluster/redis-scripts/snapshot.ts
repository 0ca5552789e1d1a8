import type { ChannelCounts, MemberSnapshot } from '../../store.js';
import { channelKeys, type ChannelCall } from './channel-args.js';
import { membersOf } from './join.js';
import { defineScript } from './script.js';

export const snapshot = defineScript<ChannelCall, { members: MemberSnapshot[]; seq: number; counts: ChannelCounts }>('snapshot', {
  keys: channelKeys,
  argv: () => [],
  decode: (reply) => {
    const r = reply as (string | number)[];
    return { members: membersOf(r.slice(3) as string[]), seq: Number(r[0]), counts: { hosts: Number(r[1]), audience: Number(r[2]) } };
  },
});
