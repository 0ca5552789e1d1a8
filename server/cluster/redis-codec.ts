/** How the Redis store writes uids and members (see scripts/helpers.lua), and reads them back. */
import { uidKey } from '../../src/keys.js';
import type { Uid } from '../../src/types.js';

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
