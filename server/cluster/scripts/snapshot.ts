import type { MemberSnapshot } from '../../store.js';
import { channelKeys, type ChannelCall } from './channel-args.js';
import { membersOf } from './join.js';
import { defineScript } from './script.js';

export const snapshot = defineScript<ChannelCall, { members: MemberSnapshot[]; seq: number }>('snapshot', {
  keys: channelKeys,
  argv: () => [],
  decode: (reply) => {
    const r = reply as string[];
    return { members: membersOf(r.slice(1)), seq: Number(r[0]) };
  },
});
