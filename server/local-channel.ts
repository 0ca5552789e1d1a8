/**
 * One channel as this node sees it: its local sessions, who of them subscribes to which stream,
 * and the channel's event stream with a short backlog, so a session that joins or resyncs from a
 * snapshot taken at seq S gets exactly the events after S, once each. Event seqs come from one
 * counter of the store (they only grow, so they order the events of each channel).
 *
 * The backlog is kept only while a join or resync is in progress: a snapshot taken after it began
 * already holds every event received before, so an idle channel keeps no events at all.
 */
import { streamKey } from '../src/keys.js';
import { encodeFrame, type ServerFrame } from '../src/protocol.js';
import type { LocalSession } from './local-session.js';
import type { StoreEvent, ChannelKey } from './store.js';

/** Events kept for sessions that sync from a snapshot just taken (a join's round trip is short). */
const BACKLOG = 256;

export type SyncResult = 'synced' | 'stale';

export class LocalChannel {
  readonly sessions = new Set<LocalSession>();
  /** streamKey -> subscribed local sessions (data fan-out: hot path). */
  private readonly subscribers = new Map<string, Set<LocalSession>>();
  private readonly backlog: StoreEvent[] = [];
  /** The last event seq seen on the channel's stream; null until the first one. */
  private lastSeq: number | null = null;
  /** The seq of the newest event pushed out of the backlog (0: none). */
  private evictedUpTo = 0;
  /** Joins in progress: the channel stays watched, and keeps its backlog, while they run. */
  private joins = 0;
  /** Resyncs in progress: the channel keeps its backlog while they run. */
  private resyncs = 0;

  constructor(readonly key: ChannelKey) {}

  get idle(): boolean {
    return this.sessions.size === 0 && this.joins === 0;
  }

  /** Whether a join or resync waits for its snapshot: only then are received events kept. */
  private get syncing(): boolean {
    return this.joins + this.resyncs > 0;
  }

  /** A join starts: from now until `endJoin()`, events are kept for its snapshot. */
  beginJoin(): void {
    this.joins++;
  }

  endJoin(): void {
    this.joins--;
    this.dropBacklogIfUnneeded();
  }

  /** A resync starts: from now until `endResync()`, events are kept for its snapshot. */
  beginResync(): void {
    this.resyncs++;
  }

  endResync(): void {
    this.resyncs--;
    this.dropBacklogIfUnneeded();
  }

  /** Takes the next event of the channel and delivers it; false for an event seen already. */
  receive(event: StoreEvent): boolean {
    if (this.lastSeq !== null && event.seq <= this.lastSeq) return false;
    this.lastSeq = event.seq;
    if (!this.syncing) this.evictedUpTo = event.seq;
    else {
      this.backlog.push(event);
      if (this.backlog.length > BACKLOG) this.evictedUpTo = this.backlog.shift()!.seq;
    }
    if (event.frame.type === 'stream-removed') this.dropStream(streamKey(event.frame.uid, event.frame.streamId));
    let text: string | undefined;
    for (const session of this.sessions) {
      if (!session.wants(event)) continue;
      text ??= encodeFrame(event.frame);
      session.deliver(event.seq, text);
    }
    return true;
  }

  /**
   * The session's client now knows the channel as of `seq` (a snapshot it was sent): deliver the
   * newer events already received. 'stale' when some of them are no longer in the backlog.
   */
  sync(session: LocalSession, seq: number): SyncResult {
    session.syncedTo(seq);
    // Events after `seq` that fell out of the backlog cannot be replayed: the caller resyncs.
    if (this.evictedUpTo > seq) return 'stale';
    for (const event of this.backlog) if (event.seq > seq && session.wants(event)) session.deliver(event.seq, encodeFrame(event.frame));
    return 'synced';
  }

  /** The store's numbering may have restarted (it lost its data): forget what was seen. */
  reset(): void {
    this.lastSeq = null;
    this.evictedUpTo = 0;
    this.backlog.length = 0;
  }

  /** Frames decided here while the store is unreachable (no seq): every local session but `except`. */
  broadcastLocal(frames: ServerFrame[], except: LocalSession): void {
    for (const session of this.sessions) {
      if (session === except) continue;
      for (const frame of frames) session.conn?.send(frame);
    }
  }

  subscribersOf(key: string): ReadonlySet<LocalSession> | undefined {
    return this.subscribers.get(key);
  }

  subscribe(session: LocalSession, key: string): void {
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(session);
  }

  unsubscribe(session: LocalSession, key: string): void {
    const set = this.subscribers.get(key);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) this.subscribers.delete(key);
  }

  /** No snapshot in flight: no session can need an event already received. */
  private dropBacklogIfUnneeded(): void {
    if (this.syncing || this.backlog.length === 0) return;
    this.evictedUpTo = this.backlog[this.backlog.length - 1]!.seq;
    this.backlog.length = 0;
  }

  /** A stream went away: nobody stays subscribed to it. */
  private dropStream(key: string): void {
    const set = this.subscribers.get(key);
    if (!set) return;
    for (const session of set) session.removeSubscription(key);
    this.subscribers.delete(key);
  }
}
