import type { TickReply } from './redis-scripts/tick.js';

/**
 * A node's heartbeat in the cluster: every `ttlMs / 3` one tick script refreshes the node's
 * deadline and adopts the members of nodes whose deadline passed. Right after (re)connecting a
 * node adopts nobody for two TTLs, so nodes that were cut off too get the time to check in.
 */
export interface NodeLivenessOptions {
  ttlMs: number;
  /** Runs the tick script; resolves with its reply. */
  tick(mayClaim: boolean): Promise<TickReply>;
  /** The reply of a tick: adoptions, and whether this node had been removed (taken for dead). */
  onTick(reply: TickReply): void;
  onFailure(error: Error): void;
}

export class NodeLiveness {
  private timer: NodeJS.Timeout | undefined;
  private claimFrom = 0;
  private ticking = false;
  private stopped = false;

  constructor(private readonly options: NodeLivenessOptions) {}

  /** Checks in at once (so the node counts as alive before it serves), then on every interval. */
  async start(): Promise<void> {
    this.pause();
    this.claimFrom = Date.now() + 2 * this.options.ttlMs;
    await this.options.tick(false);
    if (this.stopped) return;
    this.timer = setInterval(() => void this.beat(), Math.max(50, Math.floor(this.options.ttlMs / 3)));
    this.timer.unref();
  }

  /** Stops beating until the next start() (the connection is down). */
  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.pause();
  }

  private async beat(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const reply = await this.options.tick(Date.now() >= this.claimFrom);
      if (!this.stopped) this.options.onTick(reply);
    } catch (error) {
      if (!this.stopped) this.options.onFailure(error as Error);
    } finally {
      this.ticking = false;
    }
  }
}
