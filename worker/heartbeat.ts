/**
 * Client heartbeat: sends a ping every interval and keeps a liveness deadline that every inbound
 * frame re-arms. The deadline is checked against the clock on every tick as well as by its own
 * timer, so a throttled or late timer cannot hide a dead link.
 */
import type { QualityScore } from '../src/quality.js';
import { DownlinkMeter } from './downlink-meter.js';
import { TimerGroup, type Clock, type TimerHandle, type Timers } from './env.js';

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
}
export interface HeartbeatHooks {
  sendPing(ts: number): void;
  onTimeout(): void;
}

export class Heartbeat {
  private readonly timers: TimerGroup;
  private deadlineTimer: TimerHandle | undefined;
  private lastInboundAt = 0;
  private running = false;
  private lastRtt: number | null = null;
  private readonly downlink = new DownlinkMeter();

  constructor(
    private readonly clock: Clock,
    timers: Timers,
    private readonly options: HeartbeatOptions,
    private readonly hooks: HeartbeatHooks,
  ) {
    this.timers = new TimerGroup(timers);
  }

  get rttMs(): number | null {
    return this.lastRtt;
  }

  /** The downlink's score from the echoes of this link's heartbeats (0 before any). */
  get downlinkScore(): QualityScore {
    return this.downlink.score;
  }

  start(): void {
    this.stop();
    this.running = true;
    this.downlink.reset();
    this.lastInboundAt = this.clock.now();
    this.armDeadline();
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.timers.clearAll();
    this.deadlineTimer = undefined;
  }

  /** Any inbound frame proves the link is alive. */
  onInbound(): void {
    if (!this.running) return;
    this.lastInboundAt = this.clock.now();
  }

  onPong(sentTs: number): void {
    const now = this.clock.now();
    const rtt = now - sentTs;
    if (rtt >= 0) this.lastRtt = rtt;
    this.downlink.echoed(sentTs, now);
  }

  private tick(): void {
    if (!this.running || this.checkDeadline()) return;
    const ts = this.clock.now();
    this.downlink.sent(ts);
    this.hooks.sendPing(ts);
    this.timers.set(() => this.tick(), this.options.intervalMs);
  }

  private armDeadline(): void {
    this.timers.clear(this.deadlineTimer);
    const due = this.lastInboundAt + this.options.timeoutMs - this.clock.now();
    this.deadlineTimer = this.timers.set(() => {
      if (!this.checkDeadline()) this.armDeadline();
    }, due);
  }

  /** True when the deadline has passed (and the timeout was reported). */
  private checkDeadline(): boolean {
    if (!this.running) return true;
    if (this.clock.now() - this.lastInboundAt < this.options.timeoutMs) return false;
    this.stop();
    this.hooks.onTimeout();
    return true;
  }
}
