/**
 * What the store tells this node, turned into local effects: channel events and remote data to
 * this node's sessions, sessions taken over elsewhere, sessions adopted from a dead node, and the
 * reconciliation after a store outage.
 */
import type { ServerContext } from './context.js';
import { logId, onKick, onSessionTaken, resync } from './session.js';
import { onRemoteData } from './streams.js';
import { memberRef, type AdoptedSession, type ChannelKey, type StoreListener } from './store.js';

/** Which channels a reconciliation covers (undefined: all of them). */
type Covers = ((key: ChannelKey) => boolean) | undefined;

export function createStoreListener(ctx: ServerContext): StoreListener {
  let reconciling: Promise<void> | null = null;
  /** What came back while a reconciliation ran: reconciled next (null: nothing). */
  let again: Covers[] | null = null;
  const reconcileSoon = (covers?: Covers): void => {
    if (reconciling) {
      (again ??= []).push(covers);
      return;
    }
    reconciling = reconcile(ctx, covers)
      .catch((error: unknown) => ctx.log.error({ err: error }, 'reconciliation with the store failed; retried when it is back'))
      .finally(() => {
        reconciling = null;
        const next = again;
        again = null;
        // Several shards back meanwhile: one pass over all of them (all channels if one asked for all).
        if (next) reconcileSoon(next.some((c) => c === undefined) ? undefined : (key) => next.some((c) => c!(key)));
      });
  };
  return {
    storeEvent: (event) => ctx.sessions.channel(event.key)?.receive(event),
    counts: (key, counts) => ctx.sessions.channel(key)?.updateCounts(counts),
    data: (key, frame) => onRemoteData(ctx, key, frame),
    sessionTaken: (sessionId, how) => onSessionTaken(ctx, sessionId, how),
    adopted: (sessions) => adopt(ctx, sessions),
    reconnected: reconcileSoon,
    kick: (sessionId, message) => {
      onKick(ctx, sessionId, message).catch((error: unknown) => ctx.log.error({ err: error }, 'kick failed'));
    },
  };
}

/** Members of a dead node are now this node's: dropped sessions whose silence began when their node went quiet. */
function adopt(ctx: ServerContext, sessions: readonly AdoptedSession[]): void {
  for (const s of sessions) {
    if (ctx.sessions.get(s.sessionId)) continue;
    ctx.sessions.adopt(memberRef(s), s.role, s.streams, s.silentForMs).attributes = s.attributes;
    ctx.log.info({ uid: s.uid, session: logId(s.sessionId), silentForMs: s.silentForMs }, 'adopted a member of a dead node');
  }
}

/**
 * After a store outage this node is the authority on its own sessions: it removes from the store
 * those that ended meanwhile, writes back those it holds (the store may have lost them), and sends
 * every local client a fresh snapshot, holding back leaves while the other nodes do the same. With
 * `covers` (one shard of a Redis Cluster came back), only the channels of that shard.
 */
async function reconcile(ctx: ServerContext, covers: Covers): Promise<void> {
  const { store, sessions } = ctx;
  const mine = (key: ChannelKey): boolean => !covers || covers(key);
  for (const channel of sessions.allChannels()) if (mine(channel.key)) channel.reset();
  ctx.recovery.startHold();
  for (const ref of await store.ownedSessions(covers)) {
    if (sessions.get(ref.sessionId)) continue;
    await store.leave(ref, ctx.recovery.leaveReasonOf(ref.sessionId) ?? 'SERVER_TIMEOUT');
  }
  ctx.recovery.forgetLeaves(covers);
  let lost = 0;
  for (const session of sessions.all()) {
    if (!mine(session.key)) continue;
    if ((await store.restore(session, { role: session.role, streams: [...session.streams], attributes: session.attributes }, session.conn !== null)) === 'lost') {
      lost++;
      onSessionTaken(ctx, session.sessionId, session.conn ? 'replaced' : 'resumed');
    }
  }
  for (const channel of sessions.allChannels()) {
    if (!mine(channel.key)) continue;
    await store.watch(channel.key);
    await resync(ctx, channel);
  }
  ctx.log.info({ sessions: sessions.size, lost }, 'reconciled with the store');
}

