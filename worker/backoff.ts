/**
 * The reconnect policy, a pure function (docs/behaviour.md, Reconnection timing): the first retry
 * goes at once (plus a little jitter, so a restarted server is not hit by every client in the same
 * millisecond); each later wait is drawn at random between half the cap and the cap, and the cap
 * grows with the outage's age: `initialDelayMs` while the outage is young, so a short one ends
 * within a few hundred ms of the way being back, then doubling every few seconds up to
 * `maxDelayMs`, so a long one costs fewer attempts than exponential backoff did. A busy server's
 * wait replaces the draw. null: give up.
 */
import type { ReconnectOptions } from '../src/types.js';

export interface BackoffContext {
  /** Time since the link was lost (or since join started). */
  elapsedMs: number;
  /** The server answered busy and asked for this wait (SERVER_BUSY): it replaces the draw. */
  retryAfterMs?: number;
}
export type BackoffPolicy = (attempt: number, context: BackoffContext) => number | null;

export const FIRST_RETRY_JITTER_MS = 50;
/** For this long an outage is young: every wait stays within `initialDelayMs`. */
export const YOUNG_OUTAGE_MS = 5_000;
/** Past it, the cap on a wait doubles this often, up to `maxDelayMs`. */
export const CAP_DOUBLING_MS = 6_000;

/** The longest wait an outage of this age may get. */
export const delayCap = (options: ReconnectOptions, elapsedMs: number): number =>
  Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (Math.max(0, elapsedMs - YOUNG_OUTAGE_MS) / CAP_DOUBLING_MS));

export function createBackoffPolicy(options: ReconnectOptions, random: () => number): BackoffPolicy {
  return (attempt, { elapsedMs, retryAfterMs }) => {
    const remaining = options.giveUpAfterMs - elapsedMs;
    if (remaining <= 0) return null;
    const delay =
      retryAfterMs ??
      // Half the cap at least: however the draws fall, a long outage's waits stay long.
      (attempt === 0 ? random() * Math.min(FIRST_RETRY_JITTER_MS, options.initialDelayMs) : (delayCap(options, elapsedMs) * (1 + random())) / 2);
    // Never sleep past the give-up deadline: the last attempt happens right at it.
    return Math.min(delay, remaining);
  };
}
