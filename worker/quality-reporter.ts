/**
 * The local user's network quality (docs/behaviour.md, Network quality): every QUALITY_PERIOD_MS
 * while joined it tells the app both directions (`network-quality`) and, when its downlink score
 * changed, tells the server, which shares it with the channel. The uplink is what the server last
 * said of the client's heartbeats. (The main thread says 6, down, while reconnecting.)
 */
import type { NetworkQuality, QualityLevel } from '../src/types.js';
import { TimerGroup, type TimerHandle, type Timers } from './env.js';

export const QUALITY_PERIOD_MS = 2000;

export interface QualityHooks {
  /** The app's `network-quality` event. */
  emit(quality: NetworkQuality): void;
  /** The downlink score changed: tell the server (one-way). */
  report(down: QualityLevel): void;
}


export class QualityReporter {
  private uplink: QualityLevel = 0;
  private reported: QualityLevel = 0;
  private readonly timers: TimerGroup;
  private timer: TimerHandle | undefined;

  constructor(
    timers: Timers,
    /** The downlink score of the current link. */
    private readonly downlink: () => QualityLevel,
    private readonly hooks: QualityHooks,
  ) {
    this.timers = new TimerGroup(timers);
  }

  /** Both directions on the current link. */
  get current(): NetworkQuality {
    return { uplinkNetworkQuality: this.uplink, downlinkNetworkQuality: this.downlink() };
  }

  /** The server's view of the client's uplink. */
  setUplink(score: QualityLevel): void {
    this.uplink = score;
  }

  /** (Re)joined: measuring starts afresh on the new link, and the server has heard nothing of it. */
  joined(): void {
    this.uplink = 0;
    this.reported = 0;
    this.schedule();
  }

  /** Not joined (the link is lost, or out of the channel): nothing to tell until the next join. */
  stop(): void {
    this.stopTimer();
  }

  private schedule(): void {
    this.stopTimer();
    this.timer = this.timers.set(() => this.tick(), QUALITY_PERIOD_MS);
  }

  private tick(): void {
    const quality = this.current;
    const down = quality.downlinkNetworkQuality;
    if (down !== this.reported) {
      this.reported = down;
      this.hooks.report(down);
    }
    this.hooks.emit(quality);
    this.schedule();
  }

  private stopTimer(): void {
    this.timers.clear(this.timer);
    this.timer = undefined;
  }
}
