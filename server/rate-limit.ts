/**
 * Per-connection message rate: a token bucket per frame kind (control / data), and a meter of
 * the frames dropped for exceeding it. A burst now and then costs a few dropped frames and one
 * `error RATE_LIMITED`; a client that keeps flooding is disconnected (4429).
 */

export interface RateLimit {
  /** Sustained frames per second. */
  perSecond: number;
  /** Frames that may arrive at once (bucket size). */
  burst: number;
}

const monotonicMs = (): number => performance.now();

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = monotonicMs,
  ) {
    this.tokens = limit.burst;
    this.last = now();
  }

  /** Takes one token; false if the bucket is empty (the frame must be dropped). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) * this.limit.perSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type DropVerdict =
  /** Dropped; tell the client (at most once per notice interval). */
  | 'notify'
  /** Dropped; the client was told recently. */
  | 'quiet'
  /** Dropped once too often within the window: disconnect. */
  | 'abuse';

/** Window over which dropped frames are counted, and the least gap between two error frames. */
export const ABUSE_WINDOW_MS = 10_000;
const NOTICE_INTERVAL_MS = 1_000;

export class DropMeter {
  private windowStart = -Infinity;
  private dropped = 0;
  private lastNotice = -Infinity;

  constructor(
    /** Dropped frames tolerated within ABUSE_WINDOW_MS. */
    private readonly maxDropped: number,
    private readonly now: () => number = monotonicMs,
  ) {}

  record(): DropVerdict {
    const now = this.now();
    if (now - this.windowStart >= ABUSE_WINDOW_MS) {
      this.windowStart = now;
      this.dropped = 0;
    }
    this.dropped += 1;
    if (this.dropped > this.maxDropped) return 'abuse';
    if (now - this.lastNotice < NOTICE_INTERVAL_MS) return 'quiet';
    this.lastNotice = now;
    return 'notify';
  }
}
