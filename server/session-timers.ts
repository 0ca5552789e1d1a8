/**
 * What TokenExpiry and PresenceTimeouts share: one timer per session, kept beside the session's
 * own deadline data, cleared on untrack() and all at once on clear() (server shutdown).
 */

export interface TimedEntry {
  timer: NodeJS.Timeout | null;
}

export abstract class SessionTimers<E extends TimedEntry> {
  protected readonly entries = new Map<string, E>();
  protected readonly now: () => number;

  constructor(now: (() => number) | undefined) {
    this.now = now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  untrack(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(sessionId);
  }

  clear(): void {
    for (const entry of this.entries.values()) if (entry.timer) clearTimeout(entry.timer);
    this.entries.clear();
  }

  /** (Re)arms the session's timer; an unref'd timer never keeps the process alive. */
  protected schedule(sessionId: string, entry: E, delayMs: number): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (this.entries.get(sessionId) === entry) this.fire(sessionId, entry);
    }, delayMs);
    entry.timer.unref();
  }

  protected abstract fire(sessionId: string, entry: E): void;
}
