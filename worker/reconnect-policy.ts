/**
 * When the link tries again and when it stops, for the two budgets it can be spending: a join,
 * which must complete within `joinTimeoutMs` of join() whatever is under way, and a reconnect,
 * which gives up once an attempt fails `reconnect.giveUpAfterMs` after the link was lost (see
 * docs/behaviour.md, Giving up). One owner for both clocks, so the link never has to ask the
 * engine which one applies; the delays themselves are the pure backoff's.
 */
import type { EngineOptions } from '../src/types.js';
import type { BackoffPolicy } from './backoff.js';
import type { Clock } from './env.js';

/** What the link is spending time on: completing join(), or getting back a joined link it lost. */
export type Budget = 'join' | 'reconnect';

export class ReconnectPolicy {
  private current: Budget = 'join';
  private startedAt = 0;

  constructor(
    private readonly options: Pick<EngineOptions, 'joinTimeoutMs' | 'reconnect'>,
    private readonly backoff: BackoffPolicy,
    private readonly clock: Clock,
  ) {}

  /** The budget now being spent. */
  get budget(): Budget {
    return this.current;
  }

  /** A join starts (join()), or a joined link was lost: its budget starts now. */
  begin(budget: Budget): void {
    this.current = budget;
    this.startedAt = this.clock.now();
  }

  /** Ms until the budget ends whatever is under way (a join's deadline); null when it ends only with a failed attempt (a reconnect). */
  hardDeadlineMs(): number | null {
    return this.current === 'join' ? Math.max(0, this.startedAt + this.options.joinTimeoutMs - this.clock.now()) : null;
  }

  /**
   * The wait before the next attempt (`attempt`: completed rounds of the server list; `retryAfterMs`:
   * a busy server's wait), or null: the budget is spent, give up. No wait, the server's neither, outlasts the budget.
   */
  nextDelay(attempt: number, retryAfterMs?: number): number | null {
    const elapsedMs = this.clock.now() - this.startedAt;
    const delay = this.backoff(attempt, { elapsedMs, retryAfterMs });
    const hard = this.hardDeadlineMs();
    if (delay === null || hard === 0) return null;
    return hard === null ? delay : Math.min(delay, hard);
  }
}
