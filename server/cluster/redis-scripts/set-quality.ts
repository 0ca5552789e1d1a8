import type { QualityPair } from '../../store.js';
import { channelArgv, channelKeys } from './channel-args.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

export const setQuality = defineScript<MemberCall & { quality: QualityPair }, 'ok' | 'gone'>('set-quality', {
  keys: channelKeys,
  argv: (c) => [...channelArgv(c), c.uk, c.sessionId, c.node, c.quality[0], c.quality[1]],
  decode: (reply) => reply as 'ok' | 'gone',
});
