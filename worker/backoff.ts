/**
 * The reconnect policy, a pure function: the first retry goes at once (plus a little jitter so a
 * server restart is not hit by every client in the same millisecond), later ones use full-jitter
 * exponential backoff; null means give up.
 */
import type { ReconnectOptions } from '../src/types.js';

export interface BackoffContext {
  /** Time since the link was lost (or since join started). */
  elapsedMs: number;
}
export type BackoffPolicy = (attempt: number, context: BackoffContext) => number | null;

export const FIRST_RETRY_JITTER_MS = 50;

export function createBackoffPolicy(options: ReconnectOptions, random: () => number): BackoffPolicy {
  return (attempt, { elapsedMs }) => {
    const remaining = options.giveUpAfterMs - elapsedMs;
    if (remaining <= 0) return null;
    const delay =
      attempt === 0
        ? random() * Math.min(FIRST_RETRY_JITTER_MS, options.initialDelayMs)
        : random() * Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
    // Never sleep past the give-up deadline: the last attempt happens right at it.
    return Math.min(delay, remaining);
  };
}
