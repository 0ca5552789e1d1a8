import type { ClientRole } from '../../../src/wire-words.js';
import { uidFromKey, memberOf } from '../redis-codec.js';
import type { Attributes, JoinResult, MemberSnapshot, RoleLimits } from '../../store.js';
import { channelArgv, channelKeys, declaredKeys, redeclare, type ChannelCall } from './channel-args.js';
import { defineScript } from './script.js';

export interface JoinCall extends ChannelCall {
  uk: string;
  assigned: boolean;
  resumeSessionId: string | undefined;
  newSessionId: string;
  node: string;
  role: ClientRole;
  streams: readonly string[];
  limits: RoleLimits;
  windowMs: number;
  attributes: Attributes;
}

export const join = defineScript<JoinCall, JoinResult>('join', {
  keys: (c) => [...channelKeys(c), c.keys.owned(c.key, c.node), ...declaredKeys(c)],
  argv: (c) => [
    ...channelArgv(c),
    c.uk,
    c.assigned ? 1 : 0,
    c.resumeSessionId ?? '',
    c.newSessionId,
    c.node,
    c.role,
    c.streams.join(','),
    limitArg(c.limits.hosts),
    limitArg(c.limits.audience),
    c.windowMs,
    JSON.stringify(c.attributes),
  ],
  declare: redeclare,
  decode: (reply) => {
    const r = reply as (string | number)[];
    const [outcome, sessionId, seq, prevSid, prevNode, streams, published, role, hosts, audience] = r as [string, string, string, string, string, string, string, ClientRole, number, number];
    if (outcome === 'full') return { outcome, role: r[1] as ClientRole };
    if (outcome === 'taken') return { outcome };
    return {
      outcome: outcome as 'fresh' | 'resumed' | 'replaced',
      sessionId: sessionId!,
      streams: streams ? streams.split(',') : [],
      published: published ? published.split(',').map(positionOf) : [],
      snapshot: membersOf(r.slice(10) as string[]),
      seq: Number(seq),
      role,
      counts: { hosts: Number(hosts), audience: Number(audience) },
      previous: prevNode ? { sessionId: prevSid!, node: prevNode } : null,
    };
  },
});

/** A limit as Lua reads it (Infinity does not cross as a number). */
export const limitArg = (limit: number): number => (Number.isFinite(limit) ? limit : Number.MAX_SAFE_INTEGER);

/** 'stream:epoch:seq' -> a position. */
function positionOf(text: string): { streamId: string; epoch: number; seq: number } {
  const [streamId = '', epoch = '0', seq = '0'] = text.split(':');
  return { streamId, epoch: Number(epoch), seq: Number(seq) };
}

/** uk1, record1, uk2, record2, ... -> the members as a snapshot lists them. */
export function membersOf(flat: string[]): MemberSnapshot[] {
  const out: MemberSnapshot[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const record = memberOf(flat[i + 1]!);
    const member: MemberSnapshot = { uid: uidFromKey(flat[i]!), streams: record.streams };
    if (record.attributes) member.attributes = record.attributes;
    if (record.quality) member.quality = record.quality;
    out.push(member);
  }
  return out;
}
