/**
 * Token lifetimes of the sessions on this node: one deadline per session whose token expires,
 * firing `onWillExpire` `willExpireMs` before the expiry (at once if the token is already that
 * close) and `onExpire` at the expiry. A renewed token simply re-tracks the session.
 */
import { SessionTimers, type TimedEntry } from './session-timers.js';

export interface TokenExpiryOptions {
  willExpireMs: number;
  onWillExpire: (sessionId: string, expiresAt: number) => void;
  onExpire: (sessionId: string) => void;
  now?: () => number;
  /** A notice or expiry may come this much late, so that many share a wake-up. Default 0. */
  slackMs?: number;
}

interface Entry extends TimedEntry {
  expiresAt: number;
  warned: boolean;
}

export class TokenExpiry extends SessionTimers<Entry> {
  constructor(private readonly options: TokenExpiryOptions) {
    super(options.now, options.slackMs);
  }

  /** Watches the session's token (replacing what was tracked); null: the token never expires. */
  track(sessionId: string, expiresAt: number | null): void {
    this.untrack(sessionId);
    if (expiresAt === null) return;
    const entry: Entry = { sessionId, expiresAt, warned: false, due: 0, slot: -1 };
    this.entries.set(sessionId, entry);
    this.arm(entry);
  }

  private arm(entry: Entry): void {
    this.schedule(entry, entry.warned ? entry.expiresAt : entry.expiresAt - this.options.willExpireMs);
  }

  protected fire(sessionId: string, entry: Entry): void {
    const now = this.now();
    if (now >= entry.expiresAt) {
      this.entries.delete(sessionId);
      this.options.onExpire(sessionId);
      return;
    }
    if (!entry.warned && now >= entry.expiresAt - this.options.willExpireMs) {
      entry.warned = true;
      this.options.onWillExpire(sessionId, entry.expiresAt);
      if (this.entries.get(sessionId) !== entry) return; // the callback may have untracked it
    }
    this.arm(entry);
  }
}
