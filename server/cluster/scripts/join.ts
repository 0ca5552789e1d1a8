import { uidFromKey, memberOf } from '../redis-codec.js';
import type { JoinResult, MemberSnapshot } from '../../store.js';
import { channelArgv, channelKeys, type ChannelCall } from './channel-args.js';
import { defineScript } from './script.js';

export interface JoinCall extends ChannelCall {
  uk: string;
  assigned: boolean;
  resumeSessionId: string | undefined;
  newSessionId: string;
  node: string;
  streams: readonly string[];
  maxMembers: number;
  windowMs: number;
}

export const join = defineScript<JoinCall, JoinResult>('join', {
  keys: (c) => [...channelKeys(c), c.keys.owned(c.node)],
  argv: (c) => [
    ...channelArgv(c),
    c.keys.ownedPrefix,
    c.keys.nodeTopicPrefix,
    c.key,
    c.uk,
    c.assigned ? 1 : 0,
    c.resumeSessionId ?? '',
    c.newSessionId,
    c.node,
    c.streams.join(','),
    c.maxMembers,
    c.windowMs,
  ],
  decode: (reply) => {
    const r = reply as string[];
    const [outcome, sessionId, seq, prevSid, prevNode, streams, published] = r;
    if (outcome === 'full' || outcome === 'taken') return { outcome };
    return {
      outcome: outcome as 'fresh' | 'resumed' | 'replaced',
      sessionId: sessionId!,
      streams: streams ? streams.split(',') : [],
      published: published ? published.split(',').map(positionOf) : [],
      snapshot: membersOf(r.slice(7)),
      seq: Number(seq),
      previous: prevNode ? { sessionId: prevSid!, node: prevNode } : null,
    };
  },
});

/** 'stream:epoch:seq' -> a position. */
function positionOf(text: string): { streamId: string; epoch: number; seq: number } {
  const [streamId = '', epoch = '0', seq = '0'] = text.split(':');
  return { streamId, epoch: Number(epoch), seq: Number(seq) };
}

/** uk1, member1, uk2, member2, ... -> the members. */
export function membersOf(flat: string[]): MemberSnapshot[] {
  const out: MemberSnapshot[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ uid: uidFromKey(flat[i]!), streams: memberOf(flat[i + 1]!).streams });
  return out;
}
