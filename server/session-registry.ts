/**
 * The sessions this node owns, and the one place that keeps each session's resources in step:
 * its socket, its liveness and token timers, its subscriptions and its channel's local view.
 * Adding, resuming, handing over and ending a session go through here; the store record is the
 * caller's (session.ts), so that protocol code never juggles the pieces one by one.
 */
import { streamKey } from '../src/keys.js';
import type { Uid } from '../src/types.js';
import type { ClientRole } from '../src/wire-words.js';
import type { Connection } from './connection.js';
import { LocalChannel } from './local-channel.js';
import { LocalSession } from './local-session.js';
import type { PresenceTimeouts } from './presence-timeouts.js';
import type { ChannelKey, ChannelStore, MemberRef } from './store.js';
import type { TokenExpiry } from './token-expiry.js';

export interface StreamRef {
  readonly uid: Uid;
  readonly streamId: string;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, LocalSession>();
  private readonly channels = new Map<ChannelKey, LocalChannel>();

  constructor(
    private readonly store: ChannelStore,
    private readonly timeouts: PresenceTimeouts,
    private readonly tokens: TokenExpiry,
  ) {}

  /** Sessions this node owns (connected, or dropped and waiting to resume or time out). */
  get size(): number {
    return this.sessions.size;
  }

  get(sessionId: string): LocalSession | undefined {
    return this.sessions.get(sessionId);
  }

  all(): LocalSession[] {
    return [...this.sessions.values()];
  }

  channel(key: ChannelKey): LocalChannel | undefined {
    return this.channels.get(key);
  }

  allChannels(): LocalChannel[] {
    return [...this.channels.values()];
  }

  /**
   * Prepares the channel for a join: it is watched (its events reach this node) before the store
   * is asked, and stays so until `release()` (the joined session then holds it).
   */
  async enter(key: ChannelKey): Promise<{ channel: LocalChannel; release: () => void }> {
    let channel = this.channels.get(key);
    if (!channel) this.channels.set(key, (channel = new LocalChannel(key)));
    channel.beginJoin();
    const release = () => {
      channel.endJoin();
      this.dropIfIdle(channel);
    };
    try {
      await this.store.watch(key);
    } catch (error) {
      release();
      throw error;
    }
    return { channel, release };
  }

  /** A session new to this node: a fresh member, a takeover, or one adopted from a dead node. */
  add(ref: MemberRef, channel: LocalChannel, streams: Iterable<string>, role: ClientRole, silentForMs = 0): LocalSession {
    const session = new LocalSession(ref, channel, streams, role);
    this.sessions.set(ref.sessionId, session);
    channel.sessions.add(session);
    this.timeouts.track(ref.sessionId, silentForMs);
    return session;
  }

  /** A session of a dead node, now this node's: dropped, silent for `silentForMs` already. */
  adopt(ref: MemberRef, role: ClientRole, streams: Iterable<string>, silentForMs: number): LocalSession {
    let channel = this.channels.get(ref.key);
    // Its events do not matter while it has no socket; a resume here watches the channel.
    if (!channel) this.channels.set(ref.key, (channel = new LocalChannel(ref.key)));
    return this.add(ref, channel, streams, role, silentForMs);
  }

  /** The session's socket is now `conn` (a join or resume on this node); an older socket is returned, detached. */
  attach(session: LocalSession, conn: Connection): Connection | null {
    const old = session.conn && session.conn !== conn ? session.conn : null;
    if (old) old.session = null;
    session.conn = conn;
    conn.markJoined(session);
    this.timeouts.touch(session.sessionId);
    return old;
  }

  /** A sign of life of the session (a frame arrived): its silence starts again. */
  touch(sessionId: string): void {
    this.timeouts.touch(sessionId);
  }

  /** The socket went away; the session stays until it resumes or times out. */
  detach(conn: Connection): void {
    const session = conn.session;
    if (!session || session.conn !== conn) return;
    session.conn = null;
    session.unsync();
  }

  /** Replaces the session's subscriptions (a join frame carries the client's whole set). */
  setSubscriptions(session: LocalSession, refs: readonly StreamRef[]): void {
    for (const key of session.takeSubscriptions()) session.channel.unsubscribe(session, key);
    for (const ref of refs) this.subscribe(session, ref);
  }

  /** Returns false if it was subscribed already. */
  subscribe(session: LocalSession, ref: StreamRef): boolean {
    const key = streamKey(ref.uid, ref.streamId);
    if (!session.addSubscription(key)) return false;
    session.channel.subscribe(session, key);
    return true;
  }

  unsubscribe(session: LocalSession, ref: StreamRef): void {
    const key = streamKey(ref.uid, ref.streamId);
    if (session.removeSubscription(key)) session.channel.unsubscribe(session, key);
  }

  /**
   * The session is no longer this node's (it left, timed out, or was taken over): its timers stop,
   * its subscriptions go, its channel forgets it. Its socket, if any, is the caller's to close.
   */
  end(session: LocalSession): void {
    if (this.sessions.get(session.sessionId) !== session) return;
    this.sessions.delete(session.sessionId);
    this.timeouts.untrack(session.sessionId);
    this.tokens.untrack(session.sessionId);
    session.attributeWriter?.close();
    for (const key of session.takeSubscriptions()) session.channel.unsubscribe(session, key);
    session.channel.sessions.delete(session);
    if (session.conn) session.conn.session = null;
    this.dropIfIdle(session.channel);
  }

  /** This node lets go of every session (shutdown): timers stop; the members stay in the store, for other nodes. */
  clear(): void {
    this.timeouts.clear();
    this.tokens.clear();
    this.sessions.clear();
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }

  private dropIfIdle(channel: LocalChannel): void {
    if (!channel.idle || this.channels.get(channel.key) !== channel) return;
    channel.close();
    this.channels.delete(channel.key);
    this.store.unwatch(channel.key);
  }
}
