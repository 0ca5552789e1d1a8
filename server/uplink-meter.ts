/**
 * The uplink of a client as the server sees it (docs/behaviour.md, Network quality): the gaps
 * between its heartbeats' arrivals over the last few, against the period the client said it
 * keeps. A gap of about n periods means n - 1 heartbeats went missing; what a gap deviates from
 * the grid is jitter. Arithmetic on each arrival, nothing else.
 */
import { QualitySmoother, scoreOf, type QualityScore } from '../src/quality.js';

/** Gaps the score looks at. */
const WINDOW = 5;

export class UplinkMeter {
  private last = 0;
  private readonly gaps: number[] = [];
  private readonly smoother = new QualitySmoother();

  constructor(private readonly periodMs: number) {}

  /** The reported score now (0 until two heartbeats arrived). */
  get score(): QualityScore {
    return this.smoother.current;
  }

  /** A heartbeat arrived at `now`: the reported score after it. */
  beat(now: number): QualityScore {
    const previous = this.last;
    this.last = now;
    if (previous === 0) return this.smoother.current;
    this.gaps.push(now - previous);
    if (this.gaps.length > WINDOW) this.gaps.shift();
    let beats = 0;
    let missed = 0;
    let deviation = 0;
    for (const gap of this.gaps) {
      const periods = Math.max(1, Math.round(gap / this.periodMs));
      beats += periods;
      missed += periods - 1;
      deviation += Math.abs(gap - periods * this.periodMs);
    }
    return this.smoother.step(scoreOf({ rttMs: null, jitterMs: deviation / this.gaps.length, loss: missed / beats }));
  }
}
