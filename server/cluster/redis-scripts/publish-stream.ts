import type { PublishResult } from '../../store.js';
import { channelArgv, channelKeys } from './channel-args.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

export const publishStream = defineScript<MemberCall & { streamId: string; maxStreams: number }, PublishResult>('publish-stream', {
  keys: channelKeys,
  argv: (c) => [...channelArgv(c), c.uk, c.sessionId, c.node, c.streamId, c.maxStreams],
  decode: (reply) => reply as PublishResult,
});
