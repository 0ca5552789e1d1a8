import { channelArgv, channelKeys } from './channel-args.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

export const removeStreams = defineScript<MemberCall & { windowMs: number }, boolean>('remove-streams', {
  keys: channelKeys,
  argv: (c) => [...channelArgv(c), c.uk, c.sessionId, c.node, c.windowMs],
  decode: (reply) => reply === 1,
});
