// Polling and observable helpers, so tests wait on conditions instead of sleeping.
import { isObservable } from 'rxjs';
import type { Observable } from 'rxjs';

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Included in the timeout error, to say what was being waited for. */
  message?: string;
}

/** Polls `predicate` until it returns true; rejects with a clear Error on timeout. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs = 5000, intervalMs = 10, message }: WaitForOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await predicate()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err; // a throwing predicate counts as "not yet"; reported on timeout
    }
    if (Date.now() >= deadline) {
      const what = message ?? 'condition';
      const cause = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new Error(`waitFor timed out after ${timeoutMs} ms: ${what}${cause}`, {
        cause: lastError,
      });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface Unsubscribable {
  unsubscribe(): void;
}
/** Anything with an RxJS-like subscribe(next). RxJS Observables fit. */
export interface ObservableLike<T> {
  subscribe(next: (value: T) => void): Unsubscribable;
}

/**
 * Resolves with the first emission matching `predicate` (emissions made
 * synchronously during subscribe count). Rejects on timeout, and, for real
 * RxJS observables, on error or completion without a match.
 */
export function firstMatching<T>(
  obs: ObservableLike<T>,
  predicate: (value: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let sub: Unsubscribable | undefined;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub?.unsubscribe(); // if undefined, the sync-emission case is handled below
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`firstMatching: no matching value within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const next = (value: T): void => {
      if (done) return;
      let ok: boolean;
      try {
        ok = predicate(value);
      } catch (err) {
        finish(() => reject(err));
        return;
      }
      if (ok) finish(() => resolve(value));
    };
    sub = isObservable(obs)
      ? (obs as Observable<T>).subscribe({
          next,
          error: (err: unknown) => finish(() => reject(err)),
          complete: () =>
            finish(() => reject(new Error('firstMatching: completed without a matching value'))),
        })
      : obs.subscribe(next);
    if (done) sub.unsubscribe();
  });
}

/** Alias of firstMatching. */
export const nextValue = firstMatching;

export interface Recorder<T> {
  /** Every emission with its Date.now() timestamp, in order. */
  readonly entries: ReadonlyArray<{ readonly value: T; readonly at: number }>;
  /** Just the values (a fresh array on each read). */
  readonly values: T[];
  stop(): void;
}

/** Records every emission until stop(). */
export function recorder<T>(obs: ObservableLike<T>): Recorder<T> {
  const entries: Array<{ value: T; at: number }> = [];
  const sub = obs.subscribe((value) => {
    entries.push({ value, at: Date.now() });
  });
  return {
    entries,
    get values() {
      return entries.map((e) => e.value);
    },
    stop: () => sub.unsubscribe(),
  };
}
