/**
 * A session's quality on the server: the uplink it measures (uplink-meter.ts), the downlink its
 * client reports, what the client was last told of its uplink and what the channel was last told
 * of both. Each goes out on a change, at most every QUALITY_INTERVAL_MS; there is no timer: every
 * step runs on a heartbeat or a report, so an idle, healthy link costs nothing beyond arithmetic.
 */
import type { QualityPair } from './store.js';
import { UplinkMeter } from './uplink-meter.js';

export const QUALITY_INTERVAL_MS = 2_000;

export interface QualityNews {
  /** The client's uplink score to send it, if due. */
  uplink: number | null;
  /** The pair to share with the channel, if due. */
  share: QualityPair | null;
}

export class SessionQuality {
  private readonly meter: UplinkMeter;
  private down = 0;
  private toldClient = 0;
  private toldClientAt = Number.NEGATIVE_INFINITY;
  private shared: QualityPair = [0, 0];
  private sharedAt = Number.NEGATIVE_INFINITY;

  constructor(heartbeatMs: number) {
    this.meter = new UplinkMeter(heartbeatMs);
  }

  /** The pair as it stands: [uplink, downlink]. */
  get pair(): QualityPair {
    return [this.meter.score, this.down];
  }

  /** A heartbeat arrived: what is due to be told (null, the usual case: nothing). */
  heartbeat(now: number): QualityNews | null {
    const up = this.meter.beat(now);
    let uplink: number | null = null;
    if (up !== this.toldClient && now - this.toldClientAt >= QUALITY_INTERVAL_MS) {
      this.toldClient = up;
      this.toldClientAt = now;
      uplink = up;
    }
    const share = this.due(now);
    return uplink === null && share === null ? null : { uplink, share };
  }

  /** The client reported its downlink. */
  reported(down: number, now: number): QualityNews {
    this.down = down;
    return { uplink: null, share: this.due(now) };
  }

  private due(now: number): QualityPair | null {
    const pair = this.pair;
    if ((pair[0] === this.shared[0] && pair[1] === this.shared[1]) || now - this.sharedAt < QUALITY_INTERVAL_MS) return null;
    this.shared = pair;
    this.sharedAt = now;
    return pair;
  }
}
