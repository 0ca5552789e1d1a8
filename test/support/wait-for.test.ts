import { BehaviorSubject, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { firstMatching, recorder, waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves once a (sync or async) predicate holds', async () => {
    let n = 0;
    await waitFor(() => ++n >= 3);
    expect(n).toBe(3);
    await waitFor(async () => ++n >= 5, { intervalMs: 1 });
    expect(n).toBe(5);
  });

  it('rejects with the message on timeout, and reports the last predicate error', async () => {
    await expect(waitFor(() => false, { timeoutMs: 50, message: 'the moon' })).rejects.toThrow(
      /timed out after 50 ms: the moon/,
    );
    await expect(
      waitFor(
        () => {
          throw new Error('not ready');
        },
        { timeoutMs: 30 },
      ),
    ).rejects.toThrow(/last error: Error: not ready/);
  });
});

describe('firstMatching', () => {
  it('resolves with the first matching emission and unsubscribes', async () => {
    const s = new Subject<number>();
    const p = firstMatching(s, (v) => v > 1);
    s.next(1);
    s.next(2);
    await expect(p).resolves.toBe(2);
    expect(s.observed).toBe(false);
  });

  it('sees synchronous emissions during subscribe', async () => {
    const s = new BehaviorSubject('now');
    await expect(firstMatching(s, (v) => v === 'now')).resolves.toBe('now');
    expect(s.observed).toBe(false);
  });

  it('rejects on timeout, error and completion', async () => {
    await expect(firstMatching(new Subject(), () => true, 30)).rejects.toThrow(/within 30 ms/);
    const e = new Subject<number>();
    const pe = firstMatching(e);
    e.error(new Error('kaput'));
    await expect(pe).rejects.toThrow('kaput');
    const c = new Subject<number>();
    const pc = firstMatching(c);
    c.complete();
    await expect(pc).rejects.toThrow(/completed/);
  });

  it('accepts a minimal observable-like', async () => {
    let emit: (v: string) => void = () => {};
    let unsubscribed = false;
    const like = {
      subscribe(fn: (v: string) => void) {
        emit = fn;
        return { unsubscribe: () => void (unsubscribed = true) };
      },
    };
    const p = firstMatching(like, (v) => v === 'b', 1000);
    emit('a');
    emit('b');
    await expect(p).resolves.toBe('b');
    expect(unsubscribed).toBe(true);
  });
});

describe('recorder', () => {
  it('records values with timestamps until stopped', () => {
    const s = new Subject<number>();
    const t0 = Date.now();
    const rec = recorder(s);
    s.next(1);
    s.next(2);
    rec.stop();
    s.next(3);
    expect(rec.values).toEqual([1, 2]);
    expect(rec.entries.every((e) => e.at >= t0 && e.at <= Date.now())).toBe(true);
    expect(s.observed).toBe(false);
  });
});
