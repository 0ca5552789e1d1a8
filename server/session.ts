/**
 * Session lifecycle: join (fresh, resume, uid replacement), leave, token renewal and expiry, and
 * the liveness timeouts (NO_DATA streams, SERVER_TIMEOUT members). The store decides membership
 * for the whole cluster; SessionRegistry keeps this node's resources of each session in step.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { CloseCode, outcomeOfKick, outcomeOfRefusal } from '../src/outcomes.js';
import { MAX_NUMERIC_UID, PROTOCOL_VERSION, type JoinFrame } from '../src/protocol.js';
import type { Uid } from '../src/types.js';
import type { ClientRole, KickReason, PeerLeaveReason } from '../src/wire-words.js';
import type { Connection } from './connection.js';
import type { ServerContext } from './context.js';
import { countRefusedJoin } from './counters.js';
import type { LocalChannel } from './local-channel.js';
import type { LocalSession } from './local-session.js';
import { leaveEvents } from './store-rules.js';
import { AttributeWriter } from './attribute-writer.js';
import { validateAttributes } from '../src/validation.js';
import { finishReplay, prepareReplay } from './replay.js';
import { SessionQuality } from './session-quality.js';
import { applyToken, roleRefusal, withFixedAttributes, type Refusal } from './token-grants.js';
import type { TokenGrants } from './tokens.js';
import { memberJoined, memberLeft, roleChanged, streamUnpublished } from './webhooks.js';
import { channelKey, parseChannelKey, StoreUnavailableError, type Attributes, type ChannelKey, type JoinResult, type QualityPair } from './store.js';

export const newSessionId = (): string => randomBytes(18).toString('base64url');
/** Session ids are resume credentials: logs get a prefix only. */
export const logId = (sessionId: string): string => `${sessionId.slice(0, 6)}…`;
const randomUid = (): Uid => randomInt(1, MAX_NUMERIC_UID + 1);

/** A store that cannot be reached makes a request fail as a transient server error (clients retry). */
export function storeDown(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}

export async function join(ctx: ServerContext, conn: Connection, frame: JoinFrame): Promise<void> {
  const started = performance.now();
  if (frame.v !== PROTOCOL_VERSION) {
    countRefusedJoin(ctx.counters, 'PROTOCOL_ERROR');
    conn.log.warn({ v: frame.v }, 'bad frame: unsupported protocol version');
    refuse(conn, 'PROTOCOL_ERROR', `unsupported protocol version ${frame.v}: this server speaks version ${PROTOCOL_VERSION}; use a channel-link client of the same version`);
    return;
  }
  // A client that resumes is alive: its session must not time out while it waits for a slot, is
  // deferred (it comes back after the wait it is given) or during the round trip.
  if (frame.sessionId !== undefined) ctx.sessions.touch(frame.sessionId);
  const verdict = await ctx.admission.enter(frame.sessionId !== undefined ? 'resume' : 'join');
  if (!verdict.admitted) return defer(conn, verdict.retryAfterMs);
  try {
    // A socket that went away while it waited for its slot has nothing left to join.
    if (conn.phase !== 'closed') await enterChannel(ctx, conn, frame, started);
  } finally {
    verdict.release();
  }
}

/** The join proper, once admitted: the store admits the member, this node takes the session, the client gets `joined`. */
async function enterChannel(ctx: ServerContext, conn: Connection, frame: JoinFrame, started: number): Promise<void> {
  const key = channelKey(frame.appId, frame.channel);
  let entered: Awaited<ReturnType<ServerContext['sessions']['enter']>> | undefined;
  try {
    entered = await ctx.sessions.enter(key);
    const admitted = await admit(ctx, conn, frame, key);
    if (!admitted) return;
    const { result, uid, expiresAt, grants, attributes } = admitted;
    const session = takeOver(ctx, entered.channel, key, uid, result);
    session.grants = grants;
    const resumed = result.outcome === 'resumed';
    if (resumed) ctx.counters.joinsResumed++;
    else if (result.outcome === 'replaced') ctx.counters.joinsReplaced++;
    else ctx.counters.joinsFresh++;
    // A resume or a uid replacement continues a stay: only a fresh member is news to the backend.
    if (result.outcome === 'fresh') memberJoined(ctx.webhooks, key, uid, result.role, attributes, result.counts);
    if (conn.phase === 'closed') {
      // The socket went away during the round trip: the member stays, as a dropped session.
      conn.log.debug('socket closed while joining');
      ctx.tokens.track(session.sessionId, expiresAt);
      return;
    }
    ctx.sessions.attach(session, conn)?.close(CloseCode.NORMAL, 'session resumed on a newer connection');
    session.attributes = attributes;
    if (frame.heartbeatMs !== undefined) session.quality = new SessionQuality(frame.heartbeatMs);
    session.acceptedUpTo(result.published);
    // Subscriptions that name the last message they got are sent what they missed first: newer
    // data waits meanwhile, so nothing is lost, doubled or reordered.
    ctx.sessions.setSubscriptions(session, frame.subscriptions);
    const replays = await prepareReplay(ctx, session, frame.subscriptions);
    if (session.conn !== conn || conn.phase !== 'joined') return session.releaseData(() => true);
    const holdMs = ctx.recovery.holdMs();
    session.channel.updateCounts({ ...result.counts, seq: result.seq });
    conn.send({
      type: 'joined',
      v: PROTOCOL_VERSION,
      uid,
      sessionId: session.sessionId,
      resumed,
      peers: result.snapshot,
      tokenExpiresAt: expiresAt,
      serverTime: Date.now(),
      role: result.role,
      channel: session.channel.counts,
      ...(holdMs > 0 ? { holdMs } : {}),
      continuityMs: ctx.options.streamBufferMs,
      ...(result.published.length > 0 ? { published: result.published } : {}),
      ...(replays.length > 0 ? { replay: replays.map(({ uid, streamId, replay: r }) => ({ uid, streamId, epoch: r.epoch, from: r.from, to: r.to })) } : {}),
    });
    finishReplay(session, replays);
    if (session.channel.sync(session, result.seq) === 'stale') void resync(ctx, session.channel, [session]);
    // A resume or rejoin presents its current token: its expiry replaces the one tracked.
    ctx.tokens.track(session.sessionId, expiresAt);
    ctx.observeJoinLatency((performance.now() - started) / 1000);
    conn.log.info(
      { appId: frame.appId, channel: frame.channel, uid, role: result.role, session: logId(session.sessionId), resumed, outcome: result.outcome },
      resumed ? 'session resumed' : 'joined',
    );
  } catch (error) {
    if (!storeDown(error)) throw error;
    conn.log.warn({ err: error.message }, 'join failed: store unavailable');
    conn.fail('SERVER_ERROR', CloseCode.INTERNAL_ERROR, `channel store unavailable: ${error.message}`);
  } finally {
    entered?.release();
  }
}

type Accepted = Extract<JoinResult, { sessionId: string }>;
/**
 * Checks the token and asks the store to admit the member (a uid picked for the client is picked
 * again in the rare case it is taken). Null when the join was refused (the socket is closed).
 */
async function admit(
  ctx: ServerContext,
  conn: Connection,
  frame: JoinFrame,
  key: ChannelKey,
): Promise<{ result: Accepted; uid: Uid; expiresAt: number | null; grants: TokenGrants; attributes: Attributes } | null> {
  const requestedUid = frame.uid === null || frame.uid === 0 ? null : frame.uid;
  for (;;) {
    const uid = requestedUid ?? randomUid();
    const check = await ctx.verifyToken(frame.token, { appId: frame.appId, channel: frame.channel, uid });
    // What the token forbids refuses the join as a whole: its role, or other values for its fixed attributes.
    const applied = applyToken(check, frame.role, frame.attributes ?? {});
    if ('code' in applied) {
      countRefusedJoin(ctx.counters, applied.code);
      conn.log.info({ code: applied.code, appId: frame.appId, channel: frame.channel, uid }, 'join rejected');
      refuse(conn, applied.code, applied.message);
      return null;
    }
    const { grants, attributes } = applied;
    // Bans exist only where the server API is on (docs/backend.md, Server API): other servers skip the read.
    const bannedUntil = ctx.options.apiSecret ? await ctx.store.bannedUntil(key, uid) : null;
    if (bannedUntil !== null) {
      countRefusedJoin(ctx.counters, 'BANNED');
      conn.log.info({ appId: frame.appId, channel: frame.channel, uid, until: bannedUntil }, 'join rejected: banned');
      refuse(conn, 'BANNED', `uid ${String(uid)} is banned from channel ${frame.channel} for ${Math.ceil((bannedUntil - Date.now()) / 1000)} more seconds`);
      return null;
    }
    const result = await ctx.store.join({
      key,
      uid,
      assigned: requestedUid === null,
      ...(requestedUid !== null && frame.sessionId !== undefined ? { resumeSessionId: frame.sessionId } : {}),
      newSessionId: newSessionId(),
      role: frame.role,
      // An audience member publishes nothing, nor does a member whose token forbids it.
      streams: frame.role === 'host' && grants.canPublish ? frame.streams : [],
      attributes,
      limits: roleLimits(ctx),
    });
    if (result.outcome === 'taken') continue;
    if (result.outcome === 'full') {
      // Only a new member counts against the limit: a resume or a uid replacement adds nobody.
      countRefusedJoin(ctx.counters, 'CHANNEL_FULL');
      conn.log.info({ appId: frame.appId, channel: frame.channel, uid, role: result.role }, 'join rejected: channel full');
      refuse(conn, 'CHANNEL_FULL', fullMessage(ctx, result.role));
      return null;
    }
    return { result, uid, expiresAt: check.ok ? check.expiresAt : null, grants, attributes };
  }
}

/** The local side of a join the store accepted: the session this node now owns. */
function takeOver(
  ctx: ServerContext,
  channel: LocalChannel,
  key: ChannelKey,
  uid: Uid,
  result: Accepted,
): LocalSession {
  const previous = result.previous && result.previous.node === ctx.nodeId ? ctx.sessions.get(result.previous.sessionId) : undefined;
  if (result.outcome === 'resumed' && previous) {
    previous.setStreams(result.streams);
    previous.role = result.role;
    return previous;
  }
  if (previous) {
    // The newer join of a uid wins (docs/behaviour.md, Uid replacement); the membership carries over without leave/online.
    ctx.sessions.end(previous);
    if (previous.conn) {
      kick(previous.conn, 'UID_BANNED', `uid ${String(uid)} joined channel ${channel.key} from another connection`);
      previous.conn.log.info({ uid }, 'replaced by a newer join of the same uid');
    }
  }
  return ctx.sessions.add({ key, uid, sessionId: result.sessionId }, channel, result.streams, result.role);
}

/**
 * `set-attributes`: replaces the member's attributes, coalesced with others of a burst; acked once
 * a write of its value (or a later one) is stored. The handler does not wait for the store, so a
 * burst is not queued frame by frame behind it.
 */
export function setAttributes(ctx: ServerContext, conn: Connection, session: LocalSession, id: number, requested: Attributes): void {
  try {
    validateAttributes(requested);
  } catch (error) {
    conn.send({ type: 'error', id, code: 'INVALID_PARAMS', message: (error as Error).message });
    return;
  }
  // The token's fixed keys stay as the token says (docs/backend.md, Tokens).
  const fixed = withFixedAttributes(session.grants, requested);
  if ('code' in fixed) {
    conn.send({ type: 'error', id, code: fixed.code, message: fixed.message });
    return;
  }
  const { attributes } = fixed;
  session.attributeWriter ??= new AttributeWriter(
    async (value) => {
      if ((await ctx.store.setAttributes(session, value)) === 'ok') session.attributes = value;
    },
    (ids, error) => {
      const target = session.conn;
      if (!target) return;
      if (error === undefined) for (const reqId of ids) target.send({ type: 'ack', id: reqId });
      else {
        const message = storeDown(error) ? `channel store unavailable: ${error.message}` : 'attributes not stored';
        if (!storeDown(error)) ctx.log.error({ err: error }, 'attribute write failed');
        for (const reqId of ids) target.send({ type: 'error', id: reqId, code: 'SERVER_ERROR', message });
      }
    },
  );
  session.attributeWriter.set(id, attributes);
}

/** A heartbeat or a quality report moved the session's quality: tell its client and its channel what is due. */
export function qualityNews(ctx: ServerContext, session: LocalSession, news: { uplink: number | null; share: QualityPair | null }): void {
  if (news.uplink !== null) session.conn?.send({ type: 'uplink', quality: news.uplink });
  if (news.share && session.role === 'host') {
    ctx.store.setQuality(session, news.share).catch((error: unknown) => {
      if (!storeDown(error)) ctx.log.error({ err: error }, 'quality write failed');
    });
  }
}

/** The limits of the options, by role. */
export const roleLimits = (ctx: ServerContext) => ({ hosts: ctx.options.maxPeersPerChannel, audience: ctx.options.maxAudiencePerChannel });

const fullMessage = (ctx: ServerContext, role: ClientRole): string =>
  role === 'host' ? `channel is full (${ctx.options.maxPeersPerChannel} hosts)` : `channel is full (${ctx.options.maxAudiencePerChannel} audience members)`;

/**
 * `set-role`: a host becomes an audience member (its streams go, peers see it leave with
 * BECOME_AUDIENCE) or the other way (peers see it come online); acked once the store applied it.
 */
export async function setRole(ctx: ServerContext, conn: Connection, session: LocalSession, id: number, role: ClientRole): Promise<void> {
  const refusal = roleRefusal(session.grants, role);
  if (refusal) {
    conn.send({ type: 'error', id, code: refusal.code, message: refusal.message });
    return;
  }
  const result = await ctx.store.setRole(session, role, roleLimits(ctx));
  if (result.outcome === 'gone') {
    ctx.sessions.end(session);
    conn.fail('CLOSED', CloseCode.SESSION_EXPIRED, 'session expired');
    return;
  }
  if (result.outcome === 'full') {
    conn.send({ type: 'error', id, code: 'CHANNEL_FULL', message: fullMessage(ctx, 'host') });
    return;
  }
  if (result.outcome === 'changed') {
    session.role = role;
    roleChanged(ctx.webhooks, session.key, session.uid, role, role === 'audience' ? session.takeStreams() : []);
    session.channel.updateCounts(result.counts);
    conn.log.info({ uid: session.uid, role }, 'role changed');
  }
  conn.send({ type: 'ack', id });
}

/** Another node took the session over: resumed there (its socket here is stale), or its uid joined there. */
export function onSessionTaken(ctx: ServerContext, sessionId: string, how: 'resumed' | 'replaced'): void {
  const session = ctx.sessions.get(sessionId);
  if (!session) return;
  ctx.sessions.end(session);
  if (!session.conn) return;
  if (how === 'replaced') kick(session.conn, 'UID_BANNED', `uid ${String(session.uid)} joined the channel on another server`);
  else session.conn.close(CloseCode.NORMAL, 'session resumed on another connection');
}

/** `leave`: ack, then peers hear stream-removed (PEER_LEFT) and peer-leave (QUIT) at once. */
export async function leave(ctx: ServerContext, conn: Connection, session: LocalSession, id: number): Promise<void> {
  conn.send({ type: 'ack', id });
  ctx.counters.leaves++;
  await endSession(ctx, session, 'QUIT');
  conn.log.info({ uid: session.uid }, 'left');
  conn.close(CloseCode.NORMAL, 'left the channel');
}

/**
 * `renew-token`: a valid token for the same app, channel and uid replaces the session's expiry
 * and grants; its fixed attributes are written over the member's at once. One that forbids the
 * member's current role is refused (NO_PERMISSION) and the old token stays in force.
 */
export async function renewToken(ctx: ServerContext, conn: Connection, session: LocalSession, id: number, token: string): Promise<void> {
  const { appId, channel } = parseChannelKey(session.key);
  const check = await ctx.verifyToken(token, { appId, channel, uid: session.uid });
  // The new token's fixed values win over the member's own: its keys are left out of what is asked for.
  const fixedKeys = check.ok ? Object.keys(check.grants?.attributes ?? {}) : [];
  const own = Object.fromEntries(Object.entries(session.attributes).filter(([key]) => !fixedKeys.includes(key)));
  const applied = applyToken(check, session.role, own);
  if ('code' in applied || !check.ok) {
    // The old token stays in force (and still expires when it would have).
    const refusal: Refusal = 'code' in applied ? applied : { code: 'INVALID_TOKEN', message: 'token refused' };
    conn.log.info({ code: refusal.code, uid: session.uid }, 'token renewal rejected');
    conn.send({ type: 'error', id, code: refusal.code, message: refusal.message });
    return;
  }
  session.grants = applied.grants;
  if (fixedKeys.some((key) => session.attributes[key] !== applied.attributes[key])) {
    if ((await ctx.store.setAttributes(session, applied.attributes)) === 'ok') session.attributes = applied.attributes;
  }
  ctx.tokens.track(session.sessionId, check.expiresAt);
  conn.log.debug({ uid: session.uid, expiresAt: check.expiresAt }, 'token renewed');
  conn.send({ type: 'ack', id });
}

/** The session's token expires soon: tell its client (if connected) so the app can renew it. */
export function onTokenWillExpire(ctx: ServerContext, sessionId: string, expiresAt: number): void {
  ctx.sessions.get(sessionId)?.conn?.send({ type: 'token-will-expire', expiresAt });
}

/** The token expired without renewal: the client is kicked (no reconnect) and peers see it quit. */
export async function onTokenExpire(ctx: ServerContext, sessionId: string): Promise<void> {
  const session = ctx.sessions.get(sessionId);
  if (!session) return;
  ctx.counters.tokenExpiries++;
  ctx.log.info({ uid: session.uid, session: logId(sessionId) }, 'token expired: session ended');
  if (session.conn) kick(session.conn, 'TOKEN_EXPIRE', 'the token has expired');
  await endSession(ctx, session, 'QUIT');
}

/** The server API kicked the member: its client is told KICKED (no reconnect), peers see it leave with KICKED. */
export async function onKick(ctx: ServerContext, sessionId: string, message: string): Promise<void> {
  const session = ctx.sessions.get(sessionId);
  if (!session) return;
  ctx.counters.kicks++;
  ctx.log.info({ uid: session.uid, session: logId(sessionId) }, 'kicked by the server API');
  if (session.conn) kick(session.conn, 'KICKED', message);
  await endSession(ctx, session, 'KICKED');
}

/** Silence reached streamTimeoutMs: the member's streams go (NO_DATA); it stays a member. */
export async function onStreamTimeout(ctx: ServerContext, sessionId: string): Promise<void> {
  const session = ctx.sessions.get(sessionId);
  if (!session || session.streams.size === 0) return;
  const streams = session.takeStreams();
  ctx.log.info({ uid: session.uid, streams }, 'streams timed out (NO_DATA)');
  ctx.counters.streamTimeouts++;
  try {
    if (!(await ctx.store.removeStreams(session))) ctx.sessions.end(session); // no longer ours
    else for (const streamId of streams) streamUnpublished(ctx.webhooks, session.key, session.uid, streamId, 'NO_DATA');
  } catch (error) {
    if (!storeDown(error)) throw error;
    // Tell this node's members now; the store learns when it is back (restore()).
    session.channel.broadcastLocal(
      streams.map((streamId) => ({ type: 'stream-removed', uid: session.uid, streamId, reason: 'NO_DATA' })),
      session,
    );
  }
}

/** Silence reached peerTimeoutMs: streams go (NO_DATA), then the member (SERVER_TIMEOUT). */
export async function onPeerTimeout(ctx: ServerContext, sessionId: string): Promise<void> {
  const session = ctx.sessions.get(sessionId);
  if (!session) return;
  ctx.log.info({ uid: session.uid, session: logId(sessionId) }, 'member timed out (SERVER_TIMEOUT)');
  ctx.counters.peerTimeouts++;
  const conn = session.conn;
  await endSession(ctx, session, 'SERVER_TIMEOUT');
  // A socket still attached is half-open or mute: drop it without a closing handshake.
  conn?.terminate();
}

/**
 * Ends a member's stay: this node lets go of it at once, and the store removes it (if this node
 * still owns it) and tells every node. Without the store, this node's members hear it now and
 * the store is brought in line when it returns.
 */
export async function endSession(ctx: ServerContext, session: LocalSession, reason: PeerLeaveReason): Promise<void> {
  ctx.sessions.end(session);
  const streams = [...session.streams];
  try {
    // The store's leave is the decision (only the owner's succeeds): the one node that made it tells the backend.
    const after = await ctx.store.leave(session, reason);
    if (after) memberLeft(ctx.webhooks, session.key, session.uid, session.role, streams, reason, after);
  } catch (error) {
    if (!storeDown(error)) throw error;
    ctx.recovery.leftWhileDown(session.sessionId, reason, session.key);
    // An audience member was never announced: nobody is told it left.
    if (session.role === 'host') session.channel.broadcastLocal(leaveEvents(session.uid, [...session.streams], reason), session);
  }
}

/**
 * Sends the session(s) of a channel a fresh snapshot (their view may have missed events): each
 * client diffs it against what it knows, so every change shows up exactly once.
 */
export async function resync(ctx: ServerContext, channel: LocalChannel, sessions: readonly LocalSession[] = [...channel.sessions]): Promise<void> {
  for (const session of sessions) session.unsync();
  // The channel keeps the events that arrive meanwhile, for the snapshot's sessions to catch up on.
  channel.beginResync();
  try {
    await sendSnapshot(ctx, channel, sessions);
  } finally {
    channel.endResync();
  }
}

async function sendSnapshot(ctx: ServerContext, channel: LocalChannel, sessions: readonly LocalSession[]): Promise<void> {
  let snapshot;
  try {
    snapshot = await ctx.store.snapshot(channel.key);
  } catch (error) {
    if (!storeDown(error)) throw error;
    return; // resynced when the store is back
  }
  const holdMs = ctx.recovery.holdMs();
  channel.updateCounts({ ...snapshot.counts, seq: snapshot.seq });
  for (const session of sessions) {
    if (!session.conn || ctx.sessions.get(session.sessionId) !== session) continue;
    const peers = snapshot.members.filter((m) => !(m.uid === session.uid && typeof m.uid === typeof session.uid));
    session.conn.send({ type: 'snapshot', peers, ...(holdMs > 0 ? { holdMs } : {}), channel: channel.counts });
    channel.sync(session, snapshot.seq);
  }
}

/**
 * A join deferred by admission control (docs/protocol.md, Close codes): SERVER_BUSY with the wait
 * the client is to keep, then the retry-range close; the client comes back after the wait.
 */
function defer(conn: Connection, retryAfterMs: number): void {
  conn.log.debug({ retryAfterMs }, 'join deferred: server busy');
  const message = `server busy: try again in ${retryAfterMs} ms`;
  conn.send({ type: 'error', code: 'SERVER_BUSY', message, retryAfterMs });
  // The close says it too: it is what the client reports of the attempt.
  conn.close(CloseCode.SERVER_BUSY, message);
}

/** A refused join: the error frame, then the close code of that outcome (outcomes.ts). */
function refuse(conn: Connection, code: Refusal['code'] | 'CHANNEL_FULL' | 'PROTOCOL_ERROR' | 'BANNED', message: string): void {
  conn.fail(code, outcomeOfRefusal(code)!.closeCode, message);
}

/** Ends a joined socket's stay for good: the `kicked` frame, then the outcome's close code. */
function kick(conn: Connection, reason: KickReason, message: string): void {
  conn.send({ type: 'kicked', reason, message });
  conn.close(outcomeOfKick(reason).closeCode, message);
}
