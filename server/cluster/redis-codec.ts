/** How the Redis store writes uids and member records (see redis-scripts/helpers.lua), and reads them back. */
import { uidKey } from '../../src/keys.js';
import type { Uid } from '../../src/types.js';
import type { Attributes, QualityPair } from '../store.js';

/** The uid key of src/keys.ts: 'n' + number or 's' + string. */
export const ukOf = (uid: Uid): string => uidKey(uid);

export function uidFromKey(uk: string): Uid {
  return uk.startsWith('n') ? Number(uk.slice(1)) : uk.slice(1);
}

export interface MemberRecord {
  sessionId: string;
  node: string;
  streams: string[];
  attributes: Attributes | undefined;
  quality: QualityPair | undefined;
  joinedAt: number;
}

/** A member's record: JSON { s session, n node, t streams csv, a attributes?, q [up, down]?, j joined at }. */
export function memberOf(value: string): MemberRecord {
  const m = JSON.parse(value) as { s: string; n: string; t?: string; a?: Record<string, string>; q?: [number, number]; j?: number };
  return {
    sessionId: m.s,
    node: m.n,
    streams: m.t ? m.t.split(',') : [],
    attributes: m.a && Object.keys(m.a).length > 0 ? m.a : undefined,
    quality: Array.isArray(m.q) ? [m.q[0], m.q[1]] : undefined,
    joinedAt: m.j ?? 0,
  };
}
