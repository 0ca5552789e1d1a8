import type { PeerLeaveReason } from '../../../src/wire-words.js';
import { channelArgv, channelKeys, type ChannelCall } from './channel-args.js';
import { defineScript } from './script.js';

export interface MemberCall extends ChannelCall {
  uk: string;
  sessionId: string;
  node: string;
}

export const leave = defineScript<MemberCall & { reason: PeerLeaveReason; windowMs: number }, boolean>('leave', {
  keys: (c) => [...channelKeys(c), c.keys.owned(c.node)],
  argv: (c) => [...channelArgv(c), c.key, c.uk, c.sessionId, c.node, c.reason, c.windowMs],
  decode: (reply) => reply === 1,
});
