/**
 * Session lifecycle: join (fresh, resume, uid replacement), leave, token renewal and expiry, and
 * the liveness timeouts (NO_DATA streams, SERVER_TIMEOUT members).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { CloseCode, closeCodeOf, verdictOfKick, verdictOfRefusal } from '../src/outcomes.js';
import { MAX_NUMERIC_UID, PROTOCOL_VERSION, type JoinFrame } from '../src/protocol.js';
import type { Uid } from '../src/types.js';
import type { KickReason, PeerLeaveReason } from '../src/wire-words.js';
import type { Connection } from './connection.js';
import { countRefusedJoin } from './counters.js';
import { notifyPeers, type ServerContext } from './context.js';
import { channelKey, type ChannelKey, type SessionView } from './store.js';
import { reconcileStreams, removeAllStreams } from './streams.js';

const newSessionId = (): string => randomBytes(18).toString('base64url');
/** Session ids are resume credentials: logs get a prefix only. */
const logId = (sessionId: string): string => `${sessionId.slice(0, 6)}…`;

function assignUid(ctx: ServerContext, key: ChannelKey): Uid {
  for (;;) {
    const uid = randomInt(1, MAX_NUMERIC_UID + 1);
    if (!ctx.store.findMember(key, uid)) return uid;
  }
}

/** A joined session, and what its peers must be told (sent after the joiner got `joined`). */
interface JoinOutcome {
  session: SessionView;
  resumed: boolean;
  announce: () => void;
}

export function join(ctx: ServerContext, conn: Connection, frame: JoinFrame): void {
  const started = performance.now();
  if (frame.v !== PROTOCOL_VERSION) {
    countRefusedJoin(ctx.counters, 'PROTOCOL_ERROR');
    conn.log.warn({ v: frame.v }, 'bad frame: unsupported protocol version');
    conn.fail('PROTOCOL_ERROR', closeCodeOf(verdictOfRefusal('PROTOCOL_ERROR')!), `unsupported protocol version ${frame.v}, expected ${PROTOCOL_VERSION}`);
    return;
  }
  const key = channelKey(frame.appId, frame.channel);
  const requestedUid = frame.uid === null || frame.uid === 0 ? null : frame.uid;

  // Resume: the session still exists, in this channel, under this uid.
  const found = frame.sessionId === undefined ? undefined : ctx.store.getSession(frame.sessionId);
  const previous = found && found.key === key && (requestedUid === null || found.uid === requestedUid) ? found : undefined;

  const uid = previous ? previous.uid : (requestedUid ?? assignUid(ctx, key));
  const verdict = ctx.verifyToken(frame.token, { appId: frame.appId, channel: frame.channel, uid });
  if (!verdict.ok) {
    countRefusedJoin(ctx.counters, verdict.code);
    conn.log.info({ code: verdict.code, appId: frame.appId, channel: frame.channel, uid }, 'join rejected');
    conn.fail(verdict.code, closeCodeOf(verdictOfRefusal(verdict.code)!), verdict.message);
    return;
  }

  let outcome: JoinOutcome;
  const existing = previous ? undefined : ctx.store.findMember(key, uid);
  if (previous) {
    outcome = resume(ctx, conn, previous, frame);
  } else if (existing) {
    outcome = replace(ctx, conn, existing, frame);
  } else if (ctx.store.memberCount(key) >= ctx.options.maxPeersPerChannel) {
    // Only a new member counts against the limit: a resume or a uid replacement adds nobody.
    countRefusedJoin(ctx.counters, 'CHANNEL_FULL');
    conn.log.info({ appId: frame.appId, channel: frame.channel, uid }, 'join rejected: channel full');
    conn.fail('CHANNEL_FULL', closeCodeOf(verdictOfRefusal('CHANNEL_FULL')!), `channel is full (${ctx.options.maxPeersPerChannel} members)`);
    return;
  } else {
    outcome = fresh(ctx, conn, frame, uid);
  }
  const { session, resumed } = outcome;

  conn.send({
    type: 'joined',
    v: PROTOCOL_VERSION,
    uid: session.uid,
    sessionId: session.sessionId,
    resumed,
    peers: ctx.store.snapshot(session.key, session.sessionId),
    tokenExpiresAt: verdict.expiresAt,
    serverTime: Date.now(),
  });
  ctx.observeJoinLatency((performance.now() - started) / 1000);
  conn.log.info(
    { appId: session.appId, channel: session.channel, uid: session.uid, session: logId(session.sessionId), resumed },
    resumed ? 'session resumed' : 'joined',
  );
  // A resume or rejoin presents its current token: its expiry replaces the one tracked.
  ctx.tokens.track(session.sessionId, verdict.expiresAt);
  outcome.announce();
}

function attach(ctx: ServerContext, conn: Connection, session: SessionView): void {
  ctx.sockets.attach(session.sessionId, conn);
  conn.markJoined(session.sessionId);
}

function fresh(ctx: ServerContext, conn: Connection, frame: JoinFrame, uid: Uid): JoinOutcome {
  const session = ctx.store.createSession({ sessionId: newSessionId(), appId: frame.appId, channel: frame.channel, uid });
  ctx.store.setSubscriptions(session.sessionId, frame.subscriptions);
  ctx.timeouts.track(session.sessionId);
  attach(ctx, conn, session);
  ctx.counters.joinsFresh++;
  return {
    session,
    resumed: false,
    announce: () => {
      notifyPeers(ctx, session, { type: 'peer-online', uid });
      reconcileStreams(ctx, session, frame.streams);
    },
  };
}

/** DESIGN §4.6: peers hear only stream changes (streams that timed out come back as stream-added). */
function resume(ctx: ServerContext, conn: Connection, session: SessionView, frame: JoinFrame): JoinOutcome {
  const old = ctx.sockets.detach(session.sessionId);
  if (old && old !== conn) old.close(CloseCode.NORMAL, 'session resumed on a newer connection');
  ctx.store.setSubscriptions(session.sessionId, frame.subscriptions);
  ctx.timeouts.touch(session.sessionId);
  attach(ctx, conn, session);
  ctx.counters.joinsResumed++;
  return { session, resumed: true, announce: () => reconcileStreams(ctx, session, frame.streams) };
}

/** DESIGN §4.9: the newer join of a uid wins; the membership carries over without leave/online. */
function replace(ctx: ServerContext, conn: Connection, existing: SessionView, frame: JoinFrame): JoinOutcome {
  const oldSessionId = existing.sessionId;
  const old = ctx.sockets.detach(oldSessionId);
  if (old) {
    const message = `uid ${String(existing.uid)} joined channel ${existing.channel} from another connection`;
    kick(old, 'UID_BANNED', message);
    old.log.info({ uid: existing.uid }, 'replaced by a newer join of the same uid');
  }
  ctx.timeouts.untrack(oldSessionId);
  ctx.tokens.untrack(oldSessionId);
  const session = ctx.store.transferSession(oldSessionId, newSessionId());
  ctx.store.setSubscriptions(session.sessionId, frame.subscriptions);
  ctx.timeouts.track(session.sessionId);
  attach(ctx, conn, session);
  ctx.counters.joinsReplaced++;
  return { session, resumed: false, announce: () => reconcileStreams(ctx, session, frame.streams) };
}

/** `leave`: ack, then peers hear stream-removed (PEER_LEFT) and peer-leave (QUIT) at once. */
export function leave(ctx: ServerContext, conn: Connection, session: SessionView, id: number): void {
  conn.send({ type: 'ack', id });
  ctx.counters.leaves++;
  endSession(ctx, session, 'QUIT');
  conn.log.info({ uid: session.uid, channel: session.channel }, 'left');
  conn.close(CloseCode.NORMAL, 'left the channel');
}

/** `renew-token`: a valid token for the same app, channel and uid replaces the session's expiry. */
export function renewToken(ctx: ServerContext, conn: Connection, session: SessionView, id: number, token: string): void {
  const verdict = ctx.verifyToken(token, { appId: session.appId, channel: session.channel, uid: session.uid });
  if (!verdict.ok) {
    // The old token stays in force (and still expires when it would have).
    conn.log.info({ code: verdict.code, uid: session.uid }, 'token renewal rejected');
    conn.send({ type: 'error', id, code: verdict.code, message: verdict.message });
    return;
  }
  ctx.tokens.track(session.sessionId, verdict.expiresAt);
  conn.log.debug({ uid: session.uid, expiresAt: verdict.expiresAt }, 'token renewed');
  conn.send({ type: 'ack', id });
}

/** The session's token expires soon: tell its client (if connected) so the app can renew it. */
export function onTokenWillExpire(ctx: ServerContext, sessionId: string, expiresAt: number): void {
  ctx.sockets.get(sessionId)?.send({ type: 'token-will-expire', expiresAt });
}

/** The token expired without renewal: the client is kicked (no reconnect) and peers see it quit. */
export function onTokenExpire(ctx: ServerContext, sessionId: string): void {
  const session = ctx.store.getSession(sessionId);
  if (!session) return;
  ctx.counters.tokenExpiries++;
  ctx.log.info({ uid: session.uid, channel: session.channel, session: logId(sessionId) }, 'token expired: session ended');
  const conn = ctx.sockets.get(sessionId);
  if (conn) kick(conn, 'TOKEN_EXPIRE', 'the token has expired');
  endSession(ctx, session, 'QUIT');
}

/** Silence reached streamTimeoutMs: the member's streams go (NO_DATA); it stays a member. */
export function onStreamTimeout(ctx: ServerContext, sessionId: string): void {
  const session = ctx.store.getSession(sessionId);
  if (!session || session.streams.length === 0) return;
  ctx.counters.streamTimeouts++;
  ctx.log.info({ uid: session.uid, channel: session.channel, streams: session.streams }, 'streams timed out (NO_DATA)');
  removeAllStreams(ctx, session, 'NO_DATA');
}

/** Silence reached peerTimeoutMs: streams go (NO_DATA), then the member (SERVER_TIMEOUT). */
export function onPeerTimeout(ctx: ServerContext, sessionId: string): void {
  const session = ctx.store.getSession(sessionId);
  if (!session) return;
  ctx.counters.peerTimeouts++;
  ctx.log.info({ uid: session.uid, channel: session.channel, session: logId(sessionId) }, 'member timed out (SERVER_TIMEOUT)');
  const conn = ctx.sockets.get(sessionId);
  endSession(ctx, session, 'SERVER_TIMEOUT');
  // A socket still attached is half-open or mute: drop it without a closing handshake.
  conn?.terminate();
}

function endSession(ctx: ServerContext, session: SessionView, reason: PeerLeaveReason): void {
  removeAllStreams(ctx, session, reason === 'QUIT' ? 'PEER_LEFT' : 'NO_DATA');
  notifyPeers(ctx, session, { type: 'peer-leave', uid: session.uid, reason });
  ctx.timeouts.untrack(session.sessionId);
  ctx.tokens.untrack(session.sessionId);
  ctx.sockets.detach(session.sessionId);
  ctx.store.deleteSession(session.sessionId);
}

/** Ends a joined socket's stay for good: the `kicked` frame, then the verdict's close code (outcomes.ts). */
function kick(conn: Connection, reason: KickReason, message: string): void {
  conn.send({ type: 'kicked', reason, message });
  conn.close(closeCodeOf(verdictOfKick(reason)), message);
}
