/**
 * What the store tells this node, turned into local effects: channel events and remote data to
 * this node's sessions, sessions taken over elsewhere, sessions adopted from a dead node, and the
 * reconciliation after a store outage.
 */
import type { ServerContext } from './context.js';
import { logId, onKick, onSessionTaken, resync } from './session.js';
import { onRemoteData } from './streams.js';
import { memberRef, type AdoptedSession, type StoreListener } from './store.js';

export function createStoreListener(ctx: ServerContext): StoreListener {
  let reconciling: Promise<void> | null = null;
  let again = false;
  const reconcileSoon = (): void => {
    if (reconciling) {
      again = true;
      return;
    }
    reconciling = reconcile(ctx)
      .catch((error: unknown) => ctx.log.error({ err: error }, 'reconciliation with the store failed; retried when it is back'))
      .finally(() => {
        reconciling = null;
        if (again) {
          again = false;
          reconcileSoon();
        }
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
 * every local client a fresh snapshot, holding back leaves while the other nodes do the same.
 */
async function reconcile(ctx: ServerContext): Promise<void> {
  const { store, sessions } = ctx;
  for (const channel of sessions.allChannels()) channel.reset();
  ctx.recovery.startHold();
  for (const ref of await store.ownedSessions()) {
    if (sessions.get(ref.sessionId)) continue;
    await store.leave(ref, ctx.recovery.leaveReasonOf(ref.sessionId) ?? 'SERVER_TIMEOUT');
  }
  ctx.recovery.forgetLeaves();
  let lost = 0;
  for (const session of sessions.all()) {
    if ((await store.restore(session, { role: session.role, streams: [...session.streams], attributes: session.attributes }, session.conn !== null)) === 'lost') {
      lost++;
      onSessionTaken(ctx, session.sessionId, session.conn ? 'replaced' : 'resumed');
    }
  }
  for (const channel of sessions.allChannels()) {
    await store.watch(channel.key);
    await resync(ctx, channel);
  }
  ctx.log.info({ sessions: sessions.size, lost }, 'reconciled with the store');
}

