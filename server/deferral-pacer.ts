/**
 * How long a deferred client is asked to wait (the `retryAfterMs` of SERVER_BUSY, see
 * docs/operations.md, Admission control). Each deferral books a place behind those deferred
 * before it, at the rate this node has been taking joins while busy, and the client is given a
 * random wait over the back half of that window: the window grows with the herd, and the returns
 * spread over it at about the pace the node can take, instead of coming back together.
 */

/** What a deferred client waits at least: the node has just said it is full. */
export const MIN_RETRY_AFTER_MS = 100;
/** Joins per ms assumed before the node has measured itself busy (a guess that errs on the slow side). */
const PRIOR_JOINS_PER_MS = 1;
/** The rate is measured over ticks of this length in which the node deferred someone. */
const TICK_MS = 100;

export class DeferralPacer {
  /** Joins per ms this node took while it was deferring, smoothed. */
  private rate = PRIOR_JOINS_PER_MS;
  /** When the clients deferred so far are expected to have been taken. */
  private horizon = 0;
  private tickStart: number;
  /** The last admission or deferral: a tick's pace is measured up to it, not over the idle time after. */
  private last: number;
  private admittedInTick = 0;
  private busyInTick = false;

  constructor(
    private readonly maxRetryAfterMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly random: () => number = Math.random,
  ) {
    this.tickStart = this.last = now();
  }

  /** Joins per second the node took the last times it was busy (what the waits are paced at). */
  get joinsPerSecond(): number {
    return this.rate * 1000;
  }

  /** A join got its slot. */
  admitted(): void {
    this.roll(this.now());
    this.admittedInTick++;
  }

  /** The wait to give one more deferred client. */
  retryAfterMs(): number {
    const now = this.now();
    this.roll(now);
    this.busyInTick = true;
    this.horizon = Math.max(this.horizon, now) + 1 / this.rate;
    const window = this.horizon - now;
    return Math.min(this.maxRetryAfterMs, Math.round(MIN_RETRY_AFTER_MS + window * (0.5 + 0.5 * this.random())));
  }

  /** Ends a tick: one in which the node was busy tells how fast it takes joins. */
  private roll(now: number): void {
    if (now - this.tickStart >= TICK_MS) {
      const span = this.last - this.tickStart;
      if (this.busyInTick && this.admittedInTick > 0 && span > 0) this.rate = (this.rate + this.admittedInTick / span) / 2;
      this.tickStart = now;
      this.admittedInTick = 0;
      this.busyInTick = false;
    }
    this.last = now;
  }
}
