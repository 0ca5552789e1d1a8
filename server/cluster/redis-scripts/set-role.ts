import type { ClientRole } from '../../../src/wire-words.js';
import type { SetRoleResult } from '../../store.js';
import { channelArgv, channelKeys, declaredKeys, redeclare } from './channel-args.js';
import { limitArg } from './join.js';
import type { MemberCall } from './leave.js';
import { defineScript } from './script.js';

export const setRole = defineScript<MemberCall & { role: ClientRole; maxHosts: number }, SetRoleResult>('set-role', {
  keys: (c) => [...channelKeys(c), ...declaredKeys(c)],
  argv: (c) => [...channelArgv(c), c.uk, c.sessionId, c.node, c.role, limitArg(c.maxHosts)],
  declare: redeclare,
  decode: (reply) => {
    const r = reply as (string | number)[];
    const outcome = r[0] as 'same' | 'changed' | 'full' | 'gone';
    if (outcome === 'full' || outcome === 'gone') return { outcome };
    return { outcome, counts: { seq: Number(r[1]), hosts: Number(r[2]), audience: Number(r[3]) } };
  },
});
