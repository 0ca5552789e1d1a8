import type { Attributes } from '../../store.js';
import { channelArgv, channelKeys } from './channel-args.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

export const setAttributes = defineScript<MemberCall & { attributes: Attributes }, 'ok' | 'gone'>('set-attributes', {
  keys: channelKeys,
  argv: (c) => [...channelArgv(c), c.uk, c.sessionId, c.node, JSON.stringify(c.attributes)],
  decode: (reply) => reply as 'ok' | 'gone',
});
