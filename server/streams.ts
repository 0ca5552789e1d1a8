/** Streams and subscriptions: publish, unpublish, subscribe, and data fan-out to subscribers on every node. */
import { streamKey } from '../src/keys.js';
import { MAX_STREAMS_PER_MEMBER, MAX_SUBSCRIPTIONS_PER_MEMBER } from '../src/limits.js';
import { CloseCode } from '../src/outcomes.js';
import { decodeServerDataHeader, encodeServerData } from '../src/protocol.js';
import type { Connection, DataHeader } from './connection.js';
import type { ServerContext } from './context.js';
import type { LocalSession } from './local-session.js';
import { finishReplay, prepareReplay, type Position } from './replay.js';
import type { StreamRef } from './session-registry.js';
import type { ChannelKey } from './store.js';
import { streamPublished, streamUnpublished } from './webhooks.js';

export async function publish(ctx: ServerContext, conn: Connection, session: LocalSession, id: number, streamId: string): Promise<void> {
  if (!session.grants.canPublish) {
    conn.send({ type: 'error', id, code: 'NO_PERMISSION', message: 'the token does not allow publishing (canPublish: false)' });
    return;
  }
  const outcome = session.role === 'host' ? await ctx.store.publish(session, streamId, MAX_STREAMS_PER_MEMBER) : 'audience';
  if (outcome === 'gone') return sessionGone(ctx, conn, session);
  if (outcome === 'audience') {
    conn.send({ type: 'error', id, code: 'INVALID_OPERATION', message: 'an audience member cannot publish: become a host first (setClientRole)' });
    return;
  }
  if (outcome === 'limit') {
    conn.send({ type: 'error', id, code: 'INVALID_OPERATION', message: `at most ${MAX_STREAMS_PER_MEMBER} streams per member` });
    return;
  }
  session.addStream(streamId);
  if (outcome === 'added') {
    conn.log.debug({ streamId }, 'stream published');
    streamPublished(ctx.webhooks, session.key, session.uid, streamId);
  }
  conn.send({ type: 'ack', id });
}

export async function unpublish(ctx: ServerContext, conn: Connection, session: LocalSession, id: number, streamId: string): Promise<void> {
  if (!session.streams.has(streamId)) {
    conn.send({ type: 'error', id, code: 'NOT_PUBLISHED', message: `stream ${streamId} is not published` });
    return;
  }
  const outcome = await ctx.store.unpublish(session, streamId);
  if (outcome === 'gone') return sessionGone(ctx, conn, session);
  session.removeStream(streamId);
  if (outcome === 'absent') {
    conn.send({ type: 'error', id, code: 'NOT_PUBLISHED', message: `stream ${streamId} is not published` });
    return;
  }
  conn.log.debug({ streamId }, 'stream unpublished');
  streamUnpublished(ctx.webhooks, session.key, session.uid, streamId, 'UNPUBLISHED');
  conn.send({ type: 'ack', id });
}

export async function subscribe(ctx: ServerContext, conn: Connection, session: LocalSession, id: number, ref: Position): Promise<void> {
  if (!(await ctx.store.hasStream(session.key, ref.uid, ref.streamId))) {
    conn.send({ type: 'error', id, code: 'NOT_PUBLISHED', message: `uid ${String(ref.uid)} does not publish stream ${ref.streamId}` });
    return;
  }
  if (session.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_MEMBER && !session.subscriptions.has(streamKey(ref.uid, ref.streamId))) {
    conn.send({ type: 'error', id, code: 'INVALID_OPERATION', message: `at most ${MAX_SUBSCRIPTIONS_PER_MEMBER} subscriptions per member` });
    return;
  }
  ctx.sessions.subscribe(session, ref);
  // A stream that came back: replay what the subscriber missed while it was gone.
  if (ref.at) finishReplay(session, await prepareReplay(ctx, session, [ref]));
  conn.send({ type: 'ack', id });
}

export function unsubscribe(ctx: ServerContext, conn: Connection, session: LocalSession, id: number, ref: StreamRef): void {
  ctx.sessions.unsubscribe(session, ref);
  conn.send({ type: 'ack', id });
}

/**
 * A message from a publisher: to the subscribers of its stream, here and on other nodes, and kept
 * for resumes. Data for an unpublished stream is dropped, and so is a message the server has had
 * already (a publisher resends what its last link may have lost).
 */
export function forwardData(ctx: ServerContext, session: LocalSession, header: DataHeader, payload: Uint8Array): void {
  const { streamId, flags, epoch, seq } = header;
  if (!session.streams.has(streamId)) {
    session.conn?.log.debug({ streamId }, 'data for an unpublished stream dropped');
    return;
  }
  if (!session.accept(streamId, epoch, seq)) return;
  const frame = encodeServerData(session.uid, streamId, flags, epoch, seq, payload);
  deliverData(session.channel.subscribersOf(streamKey(session.uid, streamId)), frame);
  ctx.store.messages.append(session, streamId, { epoch, seq, frame });
}

/** A data frame published on another node: to this node's subscribers of its stream. */
export function onRemoteData(ctx: ServerContext, key: ChannelKey, frame: Uint8Array): void {
  const channel = ctx.sessions.channel(key);
  if (!channel) return;
  const { uid, streamId } = decodeServerDataHeader(frame);
  deliverData(channel.subscribersOf(streamKey(uid, streamId)), frame);
}

function deliverData(subscribers: ReadonlySet<LocalSession> | undefined, frame: Uint8Array): void {
  if (!subscribers) return;
  for (const target of subscribers) target.sendData(frame);
}

/** The store no longer has this node's session (it timed out, or moved elsewhere meanwhile). */
function sessionGone(ctx: ServerContext, conn: Connection, session: LocalSession): void {
  ctx.sessions.end(session);
  conn.log.info('request on a session that has ended');
  conn.fail('CLOSED', CloseCode.SESSION_EXPIRED, 'session expired');
}
