import { channelArgv, channelKeys } from './channel-args.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

export const unpublishStream = defineScript<MemberCall & { streamId: string }, 'removed' | 'absent' | 'gone'>('unpublish-stream', {
  keys: channelKeys,
  argv: (c) => [...channelArgv(c), c.uk, c.sessionId, c.node, c.streamId],
  decode: (reply) => reply as 'removed' | 'absent' | 'gone',
});
