/**
 * Runs a job at most once per interval: at the end of the current task when the last run is an
 * interval old (so what one operation changes goes out together), else once when the interval is
 * over, with whatever is the latest state by then. Presence frames and channel counts use it.
 * The interval may be a function, read at each request: a channel's presence gap grows with its
 * members.
 */
export class Throttle {
  private last = Number.NEGATIVE_INFINITY;
  private soon: NodeJS.Immediate | null = null;
  private later: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number | (() => number),
    private readonly job: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Asks for a run: it happens once, however many times it was asked meanwhile. */
  request(): void {
    if (this.soon || this.later) return;
    const interval = typeof this.intervalMs === 'number' ? this.intervalMs : this.intervalMs();
    const wait = this.last + interval - this.now();
    if (wait <= 0) {
      this.soon = setImmediate(() => this.run());
      return;
    }
    this.later = setTimeout(() => this.run(), wait);
    this.later.unref();
  }

  /** Runs now if a run was asked for (e.g. before the owner goes away). */
  flush(): void {
    if (this.soon || this.later) this.run();
  }

  cancel(): void {
    this.clear();
  }

  private run(): void {
    this.clear();
    this.last = this.now();
    this.job();
  }

  private clear(): void {
    if (this.soon) clearImmediate(this.soon);
    if (this.later) clearTimeout(this.later);
    this.soon = null;
    this.later = null;
  }
}
