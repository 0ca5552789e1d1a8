/** Streams and subscriptions: publish, unpublish, subscribe, data fan-out, and stream reconciliation. */
import { MAX_STREAMS_PER_MEMBER, MAX_SUBSCRIPTIONS_PER_MEMBER } from '../src/limits.js';
import { encodeServerData } from '../src/protocol.js';
import type { StreamRemovedReason, Uid } from '../src/types.js';
import type { Connection } from './connection.js';
import { notifyPeers, type ServerContext } from './context.js';
import type { SessionView, StreamRef } from './store.js';

export function addStream(ctx: ServerContext, session: SessionView, streamId: string): boolean {
  if (!ctx.store.addStream(session.sessionId, streamId)) return false;
  notifyPeers(ctx, session, { type: 'stream-added', uid: session.uid, streamId });
  return true;
}

export function removeStream(ctx: ServerContext, session: SessionView, streamId: string, reason: StreamRemovedReason): boolean {
  // The store also drops every subscription to the stream.
  if (!ctx.store.removeStream(session.sessionId, streamId)) return false;
  notifyPeers(ctx, session, { type: 'stream-removed', uid: session.uid, streamId, reason });
  return true;
}

export function removeAllStreams(ctx: ServerContext, session: SessionView, reason: StreamRemovedReason): void {
  for (const streamId of session.streams) removeStream(ctx, session, streamId, reason);
}

/**
 * Makes the session publish exactly `wanted` (a join or resume): streams it has but does not
 * want are removed (UNPUBLISHED), wanted ones it lacks are added; peers hear only the changes.
 */
export function reconcileStreams(ctx: ServerContext, session: SessionView, wanted: readonly string[]): void {
  const want = new Set(wanted);
  for (const streamId of session.streams) {
    if (!want.has(streamId)) removeStream(ctx, session, streamId, 'UNPUBLISHED');
  }
  for (const streamId of want) addStream(ctx, session, streamId);
}

export function publish(ctx: ServerContext, conn: Connection, session: SessionView, id: number, streamId: string): void {
  if (!session.streams.includes(streamId) && session.streams.length >= MAX_STREAMS_PER_MEMBER) {
    conn.send({ type: 'error', id, code: 'INVALID_OPERATION', message: `at most ${MAX_STREAMS_PER_MEMBER} streams per member` });
    return;
  }
  if (addStream(ctx, session, streamId)) conn.log.debug({ streamId }, 'stream published');
  conn.send({ type: 'ack', id });
}

export function unpublish(ctx: ServerContext, conn: Connection, session: SessionView, id: number, streamId: string): void {
  if (!removeStream(ctx, session, streamId, 'UNPUBLISHED')) {
    conn.send({ type: 'error', id, code: 'NOT_PUBLISHED', message: `stream ${streamId} is not published` });
    return;
  }
  conn.log.debug({ streamId }, 'stream unpublished');
  conn.send({ type: 'ack', id });
}

export function subscribe(ctx: ServerContext, conn: Connection, session: SessionView, id: number, ref: StreamRef): void {
  if (!ctx.store.hasStream(session.key, ref.uid, ref.streamId)) {
    const message = `uid ${String(ref.uid)} does not publish stream ${ref.streamId}`;
    conn.send({ type: 'error', id, code: 'NOT_PUBLISHED', message });
    return;
  }
  if (session.subscriptionCount >= MAX_SUBSCRIPTIONS_PER_MEMBER) {
    const message = `at most ${MAX_SUBSCRIPTIONS_PER_MEMBER} subscriptions per member`;
    conn.send({ type: 'error', id, code: 'INVALID_OPERATION', message });
    return;
  }
  ctx.store.subscribe(session.sessionId, { uid: ref.uid, streamId: ref.streamId });
  conn.send({ type: 'ack', id });
}

export function unsubscribe(ctx: ServerContext, conn: Connection, session: SessionView, id: number, ref: StreamRef): void {
  ctx.store.unsubscribe(session.sessionId, { uid: ref.uid, streamId: ref.streamId });
  conn.send({ type: 'ack', id });
}

/** Forwards a data frame to the subscribers of (uid, streamId); data for an unpublished stream is dropped. */
export function forwardData(
  ctx: ServerContext,
  conn: Connection,
  session: SessionView,
  streamId: string,
  flags: number,
  payload: Uint8Array,
): void {
  const uid: Uid = session.uid;
  if (!ctx.store.hasStream(session.key, uid, streamId)) {
    conn.log.debug({ streamId }, 'data for an unpublished stream dropped');
    return;
  }
  let encoded: Uint8Array | undefined;
  for (const sessionId of ctx.store.subscriberSessionIds(session.key, uid, streamId)) {
    const target = ctx.sockets.get(sessionId);
    if (!target) continue;
    encoded ??= encodeServerData(uid, streamId, flags, payload);
    target.sendData(encoded);
  }
}
