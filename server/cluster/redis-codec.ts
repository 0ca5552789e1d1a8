/** How the Redis store writes members and refs (see redis-scripts.ts), and reads them back. */
import { uidKey } from '../../src/keys.js';
import type { Uid } from '../../src/types.js';
import type { AdoptedSession, ChannelKey } from '../store.js';

/** The uid key of src/keys.ts: 'n' + number or 's' + string. */
export const ukOf = (uid: Uid): string => uidKey(uid);

export function uidFromKey(uk: string): Uid {
  return uk.startsWith('n') ? Number(uk.slice(1)) : uk.slice(1);
}

/** A member's hash value: "sessionId|ownerNode|stream1,stream2". */
export function memberOf(value: string): { sessionId: string; node: string; streams: string[] } {
  const [sessionId = '', node = '', streams = ''] = value.split('|');
  return { sessionId, node, streams: streams ? streams.split(',') : [] };
}

/** The TICK script's adoptions: groups of (K, uk, sessionId, streams, silentMs) after the first entry. */
export function adoptedFrom(reply: string[]): AdoptedSession[] {
  const out: AdoptedSession[] = [];
  for (let i = 1; i + 4 < reply.length; i += 5) {
    out.push({
      key: reply[i] as ChannelKey,
      uid: uidFromKey(reply[i + 1]!),
      sessionId: reply[i + 2]!,
      streams: reply[i + 3] ? reply[i + 3]!.split(',') : [],
      silentForMs: Number(reply[i + 4]),
    });
  }
  return out;
}
