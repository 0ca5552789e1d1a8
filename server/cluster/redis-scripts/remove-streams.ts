import { channelArgv, channelKeys, declaredKeys, redeclare } from './channel-args.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

export const removeStreams = defineScript<MemberCall & { windowMs: number }, boolean>('remove-streams', {
  keys: (c) => [...channelKeys(c), ...declaredKeys(c)],
  argv: (c) => [...channelArgv(c), c.uk, c.sessionId, c.node, c.windowMs],
  declare: redeclare,
  decode: (reply) => reply === 1,
});
