/**
 * Admission control (docs/operations.md, Admission control): slots, the queue where resumes go
 * first, deferrals, and the waits a deferred client is given. On virtual time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Admission, type AdmissionVerdict, type JoinKind } from '../../server/admission.js';
import { newCounters } from '../../server/counters.js';
import { DeferralPacer, MIN_RETRY_AFTER_MS } from '../../server/deferral-pacer.js';

function setup(limit: number, random = () => 0.5) {
  let now = 0;
  const counters = newCounters();
  const pacer = new DeferralPacer(60_000, () => now, random);
  const admission = new Admission(limit, pacer, counters);
  /** Every verdict, in the order the joins arrived; a queued join's once it is settled. */
  const verdicts: { kind: JoinKind; verdict?: AdmissionVerdict }[] = [];
  const enter = (kind: JoinKind) => {
    const entry: { kind: JoinKind; verdict?: AdmissionVerdict } = { kind };
    verdicts.push(entry);
    const verdict = admission.enter(kind);
    if (verdict instanceof Promise) void verdict.then((v) => (entry.verdict = v));
    else entry.verdict = verdict;
    return entry;
  };
  const release = (entry: { verdict?: AdmissionVerdict }) => {
    if (entry.verdict?.admitted) entry.verdict.release();
  };
  const state = (entry: { verdict?: AdmissionVerdict }) => (entry.verdict === undefined ? 'queued' : entry.verdict.admitted ? 'admitted' : 'deferred');
  return { admission, counters, enter, release, state, pacer, advance: (ms: number) => (now += ms) };
}

/** Lets settled promises run and the loop turn (a slot frees once it has). */
const turn = () => vi.advanceTimersByTimeAsync(0);

describe('admission control', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('admits up to the limit at once, queues as many more, and defers the rest with a wait', async () => {
    const t = setup(2);
    const entries = Array.from({ length: 6 }, () => t.enter('join'));
    await turn();
    expect(entries.map(t.state)).toEqual(['admitted', 'admitted', 'queued', 'queued', 'deferred', 'deferred']);
    for (const e of entries.slice(4)) expect((e.verdict as { retryAfterMs: number }).retryAfterMs).toBeGreaterThanOrEqual(MIN_RETRY_AFTER_MS);
    expect(t.admission.load).toEqual({ inFlight: 2, queued: 2 });
    expect(t.counters).toMatchObject({ admittedJoins: 2, deferredJoins: 2, admittedResumes: 0, deferredResumes: 0 });
  });

  it('a slot frees once the loop has turned after its release, and goes to the first waiting join', async () => {
    const t = setup(1);
    const [a, b, c] = [t.enter('join'), t.enter('join'), t.enter('join')];
    await turn();
    expect([a, b, c].map(t.state)).toEqual(['admitted', 'queued', 'deferred']);
    t.release(a);
    t.release(a); // twice is once
    expect(t.state(b)).toBe('queued'); // not before the loop turns
    await turn();
    expect(t.state(b)).toBe('admitted');
    expect(t.admission.load).toEqual({ inFlight: 1, queued: 0 });
    t.release(b);
    await turn();
    expect(t.admission.load).toEqual({ inFlight: 0, queued: 0 });
    expect(t.state(t.enter('join'))).toBe('admitted');
  });

  it('resumes go first: queued ahead of fresh joins, taking the place of the last one when full, and fresh joins are deferred while one waits', async () => {
    const t = setup(2);
    const running = [t.enter('join'), t.enter('join')];
    const [j1, j2] = [t.enter('join'), t.enter('join')];
    const r1 = t.enter('resume'); // the queue is full of fresh joins: j2 makes room
    await turn();
    expect([j1, j2, r1].map(t.state)).toEqual(['queued', 'deferred', 'queued']);
    const j3 = t.enter('join'); // a resume waits: deferred
    const r2 = t.enter('resume'); // full again: j1, the last fresh join, makes room
    const r3 = t.enter('resume'); // full of resumes: deferred
    await turn();
    expect([j3, r2, j1, r3].map(t.state)).toEqual(['deferred', 'queued', 'deferred', 'deferred']);
    expect(t.counters).toMatchObject({ admittedJoins: 2, deferredJoins: 3, admittedResumes: 0, deferredResumes: 1 });
    // The slots that free go to the resumes, in their order, though fresh joins came before them.
    t.release(running[0]!);
    await turn();
    expect([r1, r2].map(t.state)).toEqual(['admitted', 'queued']);
    t.release(running[1]!);
    await turn();
    expect(t.state(r2)).toBe('admitted');
    expect(t.counters).toMatchObject({ admittedJoins: 2, admittedResumes: 2 });
  });
});

describe('the waits given to deferred clients', () => {
  it('grow with the clients deferred before, each drawn over the back half of its window', () => {
    let now = 0;
    const low = new DeferralPacer(60_000, () => now, () => 0);
    const high = new DeferralPacer(60_000, () => now, () => 0.999);
    const lows = Array.from({ length: 1000 }, () => low.retryAfterMs());
    const highs = Array.from({ length: 1000 }, () => high.retryAfterMs());
    // Before any measurement the node is taken to take one join per ms: the 1000th waits ~1 s.
    expect(lows[0]).toBe(MIN_RETRY_AFTER_MS + 1);
    expect(lows[999]).toBe(MIN_RETRY_AFTER_MS + 500);
    expect(highs[999]).toBe(MIN_RETRY_AFTER_MS + Math.round(1000 * (0.5 + 0.5 * 0.999)));
    for (let i = 1; i < lows.length; i++) expect(lows[i]).toBeGreaterThanOrEqual(lows[i - 1]!);
    // As time passes, the window shrinks: those deferred before are being taken.
    now += 600;
    expect(low.retryAfterMs()).toBe(MIN_RETRY_AFTER_MS + Math.round((1001 - 600) / 2));
  });

  it('are paced at the rate the node took joins while it was deferring', () => {
    let now = 0;
    const pacer = new DeferralPacer(60_000, () => now, () => 0.999);
    // 100 ms in which the node took 500 joins (5 per ms) and deferred some: twice as fast as the guess, averaged with it.
    for (let i = 0; i < 500; i++) {
      now = i / 5;
      pacer.admitted();
      if (i % 10 === 0) pacer.retryAfterMs();
    }
    now = 100;
    pacer.admitted();
    expect(pacer.joinsPerSecond).toBeCloseTo(((1 + 500 / 99.8) / 2) * 1000, -1);
  });

  it('a tick without deferrals measures nothing, and no wait passes the longest allowed', () => {
    let now = 0;
    const pacer = new DeferralPacer(2000, () => now, () => 0.999);
    for (let i = 0; i < 50; i++) pacer.admitted();
    now = 150;
    pacer.admitted();
    expect(pacer.joinsPerSecond).toBe(1000);
    const waits = Array.from({ length: 10_000 }, () => pacer.retryAfterMs());
    expect(Math.max(...waits)).toBe(2000);
  });
});
