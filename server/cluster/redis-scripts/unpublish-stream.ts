import { channelArgv, channelKeys, declaredKeys } from './channel-args.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

export const unpublishStream = defineScript<MemberCall & { streamId: string }, 'removed' | 'absent' | 'gone'>('unpublish-stream', {
  // The stream's message key is always declared: it is the one the call names.
  keys: (c) => [...channelKeys(c), ...declaredKeys(withStream(c))],
  argv: (c) => [...channelArgv(withStream(c)), c.uk, c.sessionId, c.node, c.streamId],
  decode: (reply) => reply as 'removed' | 'absent' | 'gone',
});

const withStream = <C extends MemberCall & { streamId: string }>(c: C): C => ({ ...c, declared: { owner: '', streams: [c.streamId] } });
