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

/**
 * The score of a sample. `strictness` below 1 lowers every threshold: what a sample must stay
 * under for the reported score to improve (a dead band, so a link that hovers at a step does not
 * flap between two levels).
 */
export function scoreOf({ rttMs, jitterMs, loss }: LinkSample, strictness = 1): QualityScore {
  let score = 1;
  if (rttMs !== null) for (const step of RTT_STEPS_MS) if (rttMs >= step * strictness) score++;
  for (const step of JITTER_STEPS_MS) if (jitterMs >= step * strictness) score++;
  LOSS_STEPS.forEach((step, i) => {
    if (loss >= step * strictness) score = Math.max(score, 3 + i);
  });
  return Math.min(5, score) as QualityScore;
}

/** Thresholds an improvement must clear, as a share of the steps (the dead band). */
export const RISE_STRICTNESS = 0.7;
/** Better samples in a row before the reported score improves. */
export const RISE_AFTER = 2;

/**
 * What is reported: it falls as soon as two samples in a row are worse (to the better of the two,
 * so one late heartbeat alone changes nothing), and it rises only after two samples in a row
 * are better even with the thresholds lowered by the dead band, to the worse of those two (a
 * sample is one heartbeat): it falls quickly and rises slowly, and never flaps at a step.
 */
export class QualitySmoother {
  private value: QualityScore = 0;
  /** The last sample, while it was worse than the reported value (null otherwise). */
  private worse: QualityScore | null = null;
  /** Better samples in a row, and the worst of them. */
  private better = 0;
  private betterWorst: QualityScore = 0;

  get current(): QualityScore {
    return this.value;
  }

  /** Takes the latest window's sample; returns the reported score. */
  step(sample: LinkSample): QualityScore {
    const raw = scoreOf(sample);
    if (this.value === 0) this.value = raw;
    else if (raw > this.value) {
      if (this.worse !== null) this.value = Math.min(raw, this.worse) as QualityScore;
      this.worse = raw > this.value ? raw : null;
      this.better = 0;
      return this.value;
    } else if (raw < this.value) {
      const strict = scoreOf(sample, RISE_STRICTNESS);
      if (strict < this.value) {
        this.betterWorst = (this.better ? Math.max(this.betterWorst, strict) : strict) as QualityScore;
        this.worse = null;
        if (++this.better < RISE_AFTER) return this.value;
        this.value = this.betterWorst;
      }
    }
    this.worse = null;
    this.better = 0;
    return this.value;
  }

  reset(value: QualityScore = 0): void {
    this.value = value;
    this.worse = null;
    this.better = 0;
  }
}
