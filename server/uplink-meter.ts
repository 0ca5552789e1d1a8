/**
 * The uplink of a client as the server sees it (docs/behaviour.md, Network quality): the gaps
 * between its heartbeats' arrivals over the last few, against the period the client said it
 * keeps. A gap of about n periods means n - 1 heartbeats went missing; the median of what the
 * gaps deviate from the grid is jitter (a median, so that one stall of this node's own event loop,
 * which delays every client's heartbeat at once, does not move every client's score). Arithmetic
 * on each arrival, nothing else.
 */
import { QualitySmoother, type QualityScore } from '../src/quality.js';

/** Gaps the score looks at. */
const WINDOW = 5;
/** Scratch for one beat's deviations, sorted (one for all meters: each beat uses it and is done). */
const deviations = new Float64Array(WINDOW);

export class UplinkMeter {
  private last = 0;
  /** The last WINDOW gaps, a ring written at `next` (no allocation per heartbeat). */
  private readonly gaps = new Float64Array(WINDOW);
  private count = 0;
  private next = 0;
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
    this.gaps[this.next] = now - previous;
    this.next = (this.next + 1) % WINDOW;
    if (this.count < WINDOW) this.count++;
    let beats = 0;
    let missed = 0;
    for (let i = 0; i < this.count; i++) {
      const gap = this.gaps[i]!;
      const periods = Math.max(1, Math.round(gap / this.periodMs));
      beats += periods;
      missed += periods - 1;
      // Insertion sort of at most WINDOW numbers: the median below needs them in order.
      let j = i;
      const deviation = Math.abs(gap - periods * this.periodMs);
      for (; j > 0 && deviations[j - 1]! > deviation; j--) deviations[j] = deviations[j - 1]!;
      deviations[j] = deviation;
    }
    return this.smoother.step({ rttMs: null, jitterMs: deviations[this.count >> 1]!, loss: missed / beats });
  }
}
