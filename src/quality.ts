/**
 * Network quality on Agora's scale (docs/behaviour.md, Network quality): 0 unknown, 1 excellent,
 * 2 good, 3 poor, 4 bad, 5 very bad, 6 down. One score for both directions, from what a window of
 * heartbeats showed: round-trip time (the downlink only: the server cannot time the client),
 * jitter and the share of heartbeats missing. Shared by the worker (downlink, from the echoes) and
 * the server (uplink, from the arrivals); the main thread never needs it.
 */

import type { QualityLevel } from './types.js';

/** A score on the 0..6 scale. */
export type QualityScore = QualityLevel;

export interface LinkSample {
  /** Mean round-trip time over the window, in ms (null: not measured on this side). */
  rttMs: number | null;
  /** Mean deviation of consecutive timings, in ms. */
  jitterMs: number;
  /** Share of heartbeats (or their echoes) missing, 0..1. */
  loss: number;
}

/** Round-trip times at which the score drops to 2, 3, 4 and 5. */
export const RTT_STEPS_MS = [100, 250, 500, 1000] as const;
/** Jitter that costs one, and two, levels. */
export const JITTER_STEPS_MS = [50, 150] as const;
/** Losses at which the score is at least 3, 4 and 5. */
export const LOSS_STEPS = [0.05, 0.15, 0.3] as const;

export function scoreOf({ rttMs, jitterMs, loss }: LinkSample): QualityScore {
  let score = 1;
  if (rttMs !== null) for (const step of RTT_STEPS_MS) if (rttMs >= step) score++;
  for (const step of JITTER_STEPS_MS) if (jitterMs >= step) score++;
  LOSS_STEPS.forEach((step, i) => {
    if (loss >= step) score = Math.max(score, 3 + i);
  });
  return Math.min(5, score) as QualityScore;
}

/**
 * What is reported: it falls as soon as two samples in a row are worse (to the better of the two,
 * so one late heartbeat alone changes nothing), and rises by one level per better sample (a sample
 * is one heartbeat), so a short good spell in a bad link does not flap.
 */
export class QualitySmoother {
  private value: QualityScore = 0;
  /** The last sample, while it was worse than the reported value (null otherwise). */
  private worse: QualityScore | null = null;

  get current(): QualityScore {
    return this.value;
  }

  /** Takes the score of the latest window; returns the reported one. */
  step(raw: QualityScore): QualityScore {
    if (this.value === 0) this.value = raw;
    else if (raw > this.value) {
      if (this.worse !== null) this.value = Math.min(raw, this.worse) as QualityScore;
      this.worse = raw > this.value ? raw : null;
      return this.value;
    } else if (raw < this.value) this.value = (this.value - 1) as QualityScore;
    this.worse = null;
    return this.value;
  }

  reset(value: QualityScore = 0): void {
    this.value = value;
    this.worse = null;
  }
}
