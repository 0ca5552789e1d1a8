/**
 * The rules every ChannelStore follows when a member's streams change (the Redis store's Lua
 * scripts follow the same ones; the shared contract tests hold both to them).
 */
import type { Uid } from '../src/types.js';
import type { PeerLeaveReason } from '../src/wire-words.js';
import type { StoreEventFrame } from './store.js';

/** From `current` to `wanted`: what goes (as UNPUBLISHED), what comes, in publication order. */
export function diffStreams(current: readonly string[], wanted: readonly string[]): { removed: string[]; added: string[]; streams: string[] } {
  const want = new Set(wanted);
  const have = new Set(current);
  const removed = current.filter((s) => !want.has(s));
  const added = [...want].filter((s) => !have.has(s));
  return { removed, added, streams: [...current.filter((s) => want.has(s)), ...added] };
}

/** A member leaves: its streams go first (PEER_LEFT when it quit, NO_DATA when it went silent), then the member. */
export function leaveEvents(uid: Uid, streams: readonly string[], reason: PeerLeaveReason): StoreEventFrame[] {
  const streamReason = reason === 'QUIT' || reason === 'KICKED' ? 'PEER_LEFT' : 'NO_DATA';
  return [...streams.map((streamId): StoreEventFrame => ({ type: 'stream-removed', uid, streamId, reason: streamReason })), { type: 'peer-leave', uid, reason }];
}
