import type { ClientRole } from '../../../src/wire-words.js';
import type { Attributes } from '../../store.js';
import { channelArgv, channelKeys } from './channel-args.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

export const restore = defineScript<
  MemberCall & { role: ClientRole; streams: readonly string[]; attributes: Attributes; connected: boolean; windowMs: number },
  'ok' | 'lost'
>('restore', {
  keys: (c) => [...channelKeys(c), c.keys.owned(c.node)],
  argv: (c) => [
    ...channelArgv(c),
    c.keys.ownedPrefix,
    c.keys.nodeTopicPrefix,
    c.key,
    c.uk,
    c.sessionId,
    c.node,
    c.role,
    c.streams.join(','),
    c.connected ? 1 : 0,
    c.windowMs,
    JSON.stringify(c.attributes),
  ],
  decode: (reply) => reply as 'ok' | 'lost',
});
