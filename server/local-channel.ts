/**
 * One channel as this node sees it: its local sessions, who of them subscribes to which stream,
 * and the channel's event stream with a short backlog, so a session that joins or resyncs from a
 * snapshot taken at seq S gets exactly the events after S, once each. Event seqs come from one
 * counter of the store (they only grow, so they order the events of each channel).
 *
 * The backlog is kept only while a join or resync is in progress: a snapshot taken after it began
 * already holds every event received before, so an idle channel keeps no events at all.
 *
 * Events go out batched (docs/protocol.md, Presence): one `presence` frame carries every event
 * received since the last one, a frame at most every `presenceGapMs`, so a join storm costs each
 * member a few frames a second, not one per join, while a lone change goes out at once. A frame
 * costs one send per member on this node, so the gap grows with them (`presenceGapPerMemberMs`,
 * up to `maxPresenceGapMs`): a storm into a big channel costs the node a bounded number of sends
 * a second, and each member a number of frames that does not grow with the channel. The
 * channel's counts go out the same way, at most once every `countsGapMs`.
 */
import { streamKey } from '../src/keys.js';
import { encodeFrame, type PresenceEntry, type ServerFrame } from '../src/protocol.js';
import type { LocalSession } from './local-session.js';
import type { ChannelCounts, ChannelKey, CountsAt, StoreEvent } from './store.js';
import { Throttle } from './throttle.js';

export interface ChannelTiming {
  /** The shortest time between two presence frames to a member, in a channel of few members here. */
  presenceGapMs: number;
  /** What each member of the channel on this node adds to that gap (once it is longer). */
  presenceGapPerMemberMs: number;
  /** The longest gap, however many members. */
  maxPresenceGapMs: number;
  /** The shortest time between two count updates to a member. */
  countsGapMs: number;
}

/** 100 ms up to 1,000 members here, then 0.1 ms a member (10,000 sends a second at most), 1 s from 10,000 on. */
export const DEFAULT_CHANNEL_TIMING: ChannelTiming = { presenceGapMs: 100, presenceGapPerMemberMs: 0.1, maxPresenceGapMs: 1_000, countsGapMs: 1_000 };

const encodePresence = (events: readonly StoreEvent[]): string =>
  encodeFrame({ type: 'presence', events: events.map((e): PresenceEntry => e.frame) });

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
  /** Events received and not yet sent: the next presence frame carries them. */
  private pending: StoreEvent[] = [];
  private readonly presence: Throttle;
  /** The newest counts known (null: none yet). */
  private countsValue: CountsAt | null = null;
  /** What the sessions were last sent, so an unchanged count is not sent again. */
  private countsSent: ChannelCounts | null = null;
  private readonly countsOut: Throttle;

  private readonly timing: ChannelTiming;

  constructor(
    readonly key: ChannelKey,
    timing: Partial<ChannelTiming> = {},
  ) {
    this.timing = { ...DEFAULT_CHANNEL_TIMING, ...timing };
    this.presence = new Throttle(() => this.presenceGapMs, () => this.flushPresence());
    this.countsOut = new Throttle(this.timing.countsGapMs, () => this.flushCounts());
  }

  /** The shortest time between two presence frames now: longer the more members this node has in the channel. */
  get presenceGapMs(): number {
    const { presenceGapMs, presenceGapPerMemberMs, maxPresenceGapMs } = this.timing;
    return Math.min(maxPresenceGapMs, Math.max(presenceGapMs, this.sessions.size * presenceGapPerMemberMs));
  }

  /** The newest counts known, or zeros before any. */
  get counts(): ChannelCounts {
    return this.countsValue ? { hosts: this.countsValue.hosts, audience: this.countsValue.audience } : { hosts: 0, audience: 0 };
  }

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
    this.pending.push(event);
    this.presence.request();
    return true;
  }

  /**
   * Sends what was received since the last frame, as one presence frame: encoded once for every
   * session that wants all of it, and cut to size for the few that do not (a session that synced
   * in the middle of it, or one an event is about).
   */
  flushPresence(): void {
    const events = this.pending;
    if (events.length === 0) return;
    this.pending = [];
    const first = events[0]!.seq;
    const about = new Set(events.map((e) => e.sessionId));
    let all: string | undefined;
    for (const session of this.sessions) {
      if (!session.listening) continue;
      if (session.syncedSeq! < first && !about.has(session.sessionId)) {
        all ??= encodePresence(events);
        session.deliver(events[events.length - 1]!.seq, all);
        continue;
      }
      const wanted = events.filter((e) => session.wants(e));
      if (wanted.length > 0) session.deliver(wanted[wanted.length - 1]!.seq, encodePresence(wanted));
    }
  }

  /** Newer counts (from this node's change or another's): the sessions hear them, throttled. */
  updateCounts(counts: CountsAt): void {
    if (this.countsValue && counts.seq <= this.countsValue.seq) return;
    this.countsValue = counts;
    this.countsOut.request();
  }

  /** Sends the newest counts to every connected session, unless they did not change since the last time. */
  private flushCounts(): void {
    const { hosts, audience } = this.counts;
    if (this.countsSent && this.countsSent.hosts === hosts && this.countsSent.audience === audience) return;
    this.countsSent = { hosts, audience };
    let text: string | undefined;
    for (const session of this.sessions) {
      if (!session.conn) continue;
      text ??= encodeFrame({ type: 'channel-info', hosts, audience });
      session.conn.sendText(text);
    }
  }

  /** Nothing is left to send (the last session went, or the node stops). */
  close(): void {
    this.presence.cancel();
    this.countsOut.cancel();
    this.pending = [];
  }

  /**
   * The session's client now knows the channel as of `seq` (a snapshot it was sent): deliver the
   * newer events already received. 'stale' when some of them are no longer in the backlog.
   */
  sync(session: LocalSession, seq: number): SyncResult {
    session.syncedTo(seq);
    // Events after `seq` that fell out of the backlog cannot be replayed: the caller resyncs.
    if (this.evictedUpTo > seq) return 'stale';
    const missed = this.backlog.filter((event) => event.seq > seq && session.wants(event));
    if (missed.length > 0) session.deliver(missed[missed.length - 1]!.seq, encodePresence(missed));
    return 'synced';
  }

  /** The store's numbering may have restarted (it lost its data): forget what was seen. */
  reset(): void {
    this.lastSeq = null;
    this.evictedUpTo = 0;
    this.backlog.length = 0;
    this.pending = [];
    this.countsValue = null;
  }

  /** Events decided here while the store is unreachable (no seq): every local session but `except`, in one presence frame. */
  broadcastLocal(events: PresenceEntry[], except: LocalSession): void {
    if (events.length === 0) return;
    const frame: ServerFrame = { type: 'presence', events };
    for (const session of this.sessions) {
      if (session === except) continue;
      session.conn?.send(frame);
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
