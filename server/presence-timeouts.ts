/**
 * Liveness of sessions: every inbound frame refreshes a session's `lastSeen`; silence for
 * `streamTimeoutMs` times out its streams, silence for `peerTimeoutMs` times out the member.
 *
 * One deadline per session, all behind one timer (SessionTimers). A frame never touches the
 * deadline (touch() is a field write); when it comes, the clock is compared with lastSeen and the
 * deadline moved on by the remainder.
 */
import { SessionTimers, type TimedEntry } from './session-timers.js';

export interface PresenceTimeoutsOptions {
  streamTimeoutMs: number;
  peerTimeoutMs: number;
  /** Silence reached streamTimeoutMs: remove the session's streams (NO_DATA). */
  onStreamTimeout: (sessionId: string) => void;
  /** Silence reached peerTimeoutMs: remove the member (SERVER_TIMEOUT). */
  onPeerTimeout: (sessionId: string) => void;
  now?: () => number;
  /** A timeout may come this much late, so that the deadlines of many sessions share a wake-up. Default 0. */
  slackMs?: number;
}

interface Entry extends TimedEntry {
  lastSeen: number;
  /** The lastSeen value for which the stream timeout already fired (null: not yet). */
  streamsTimedOutAt: number | null;
}

export class PresenceTimeouts extends SessionTimers<Entry> {
  constructor(private readonly options: PresenceTimeoutsOptions) {
    super(options.now, options.slackMs);
  }

  /** Starts (or restarts) watching a session, as if its last frame arrived `silentForMs` ago. */
  track(sessionId: string, silentForMs = 0): void {
    this.untrack(sessionId);
    const entry: Entry = { sessionId, lastSeen: this.now() - silentForMs, streamsTimedOutAt: null, due: 0, slot: -1 };
    this.entries.set(sessionId, entry);
    this.arm(entry);
  }

  /** A frame arrived. Cheap: no timer work, except right after a stream timeout. */
  touch(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    const expiredStreams = entry.streamsTimedOutAt === entry.lastSeen;
    entry.lastSeen = this.now();
    // After a stream timeout the timer waits for the peer deadline, which may lie beyond the
    // new stream deadline: re-arm once so a later silence times out streams on time.
    if (expiredStreams) this.arm(entry);
  }

  private arm(entry: Entry): void {
    const { streamTimeoutMs, peerTimeoutMs } = this.options;
    let deadline = entry.lastSeen + peerTimeoutMs;
    if (entry.streamsTimedOutAt !== entry.lastSeen) deadline = Math.min(deadline, entry.lastSeen + streamTimeoutMs);
    this.schedule(entry, deadline);
  }

  protected fire(sessionId: string, entry: Entry): void {
    const idle = this.now() - entry.lastSeen;
    if (idle >= this.options.peerTimeoutMs) {
      this.entries.delete(sessionId);
      this.options.onPeerTimeout(sessionId);
      return;
    }
    if (idle >= this.options.streamTimeoutMs && entry.streamsTimedOutAt !== entry.lastSeen) {
      entry.streamsTimedOutAt = entry.lastSeen;
      this.options.onStreamTimeout(sessionId);
      // The callback may have untracked the session.
      if (this.entries.get(sessionId) !== entry) return;
    }
    this.arm(entry);
  }
}
