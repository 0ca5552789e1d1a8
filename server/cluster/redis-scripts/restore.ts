import type { ClientRole } from '../../../src/wire-words.js';
import type { Attributes } from '../../store.js';
import { channelArgv, channelKeys, declaredKeys, redeclare } from './channel-args.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

/** `takenFrom`: the node that had taken the session over meanwhile (it must be told it lost it). */
export type RestoreResult = { outcome: 'ok'; takenFrom: string | null } | { outcome: 'lost' };

export const restore = defineScript<
  MemberCall & { role: ClientRole; streams: readonly string[]; attributes: Attributes; connected: boolean; windowMs: number },
  RestoreResult
>('restore', {
  keys: (c) => [...channelKeys(c), c.keys.owned(c.key, c.node), ...declaredKeys(c)],
  argv: (c) => [
    ...channelArgv(c),
    c.uk,
    c.sessionId,
    c.node,
    c.role,
    c.streams.join(','),
    c.connected ? 1 : 0,
    c.windowMs,
    JSON.stringify(c.attributes),
  ],
  declare: redeclare,
  decode: (reply) => {
    const [outcome, takenFrom] = reply as string[];
    return outcome === 'ok' ? { outcome, takenFrom: takenFrom || null } : { outcome: 'lost' };
  },
});
