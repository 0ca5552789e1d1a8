/**
 * What TokenExpiry and PresenceTimeouts share: one deadline per session, kept beside the session's
 * own deadline data in one DeadlineQueue (one timer for all sessions), cancelled on untrack() and
 * all at once on clear() (server shutdown).
 */
import { DeadlineQueue, type Deadline } from './deadline-queue.js';

export interface TimedEntry extends Deadline {
  readonly sessionId: string;
}

export abstract class SessionTimers<E extends TimedEntry> {
  protected readonly entries = new Map<string, E>();
  protected readonly now: () => number;
  private readonly queue: DeadlineQueue<E>;

  /** `slackMs`: deadlines may come this much late, so that many share a wake-up (DeadlineQueue). */
  constructor(now: (() => number) | undefined, slackMs = 0) {
    this.now = now ?? Date.now;
    this.queue = new DeadlineQueue<E>(
      this.now,
      (entry) => {
        if (this.entries.get(entry.sessionId) === entry) this.fire(entry.sessionId, entry);
      },
      slackMs,
    );
  }

  get size(): number {
    return this.entries.size;
  }

  untrack(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.queue.cancel(entry);
    this.entries.delete(sessionId);
  }

  clear(): void {
    this.queue.clear();
    this.entries.clear();
  }

  /** (Re)sets the session's deadline to `due` (on this clock; a past one fires at once). */
  protected schedule(entry: E, due: number): void {
    this.queue.schedule(entry, due);
  }

  protected abstract fire(sessionId: string, entry: E): void;
}
