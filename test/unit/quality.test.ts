/** Network quality's arithmetic (docs/behaviour.md, Network quality), on virtual time. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JITTER_STEPS_MS, QualitySmoother, RISE_STRICTNESS, scoreOf, type QualityScore } from '../../src/quality.js';
import { UplinkMeter } from '../../server/uplink-meter.js';
import { SessionQuality } from '../../server/session-quality.js';
import { AttributeWriter } from '../../server/attribute-writer.js';
import { DownlinkMeter } from '../../worker/downlink-meter.js';
import { QualityReporter } from '../../worker/quality-reporter.js';
import { realTimers } from '../../worker/env.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('scoreOf', () => {
  it('steps with the round-trip time, the jitter and the share missing, between 1 and 5', () => {
    const at = (rttMs: number | null, jitterMs = 0, loss = 0) => scoreOf({ rttMs, jitterMs, loss });
    expect([at(20), at(100), at(250), at(500), at(1000), at(5000)]).toEqual([1, 2, 3, 4, 5, 5]);
    expect([at(null, 49), at(null, 50), at(null, 150)]).toEqual([1, 2, 3]);
    expect([at(null, 0, 0.04), at(null, 0, 0.05), at(null, 0, 0.15), at(null, 0, 0.3), at(null, 0, 1)]).toEqual([1, 3, 4, 5, 5]);
    // The measures add up, and the share missing sets a floor.
    expect(at(120, 60)).toBe(3);
    expect(at(20, 0, 0.2)).toBe(4);
  });
});

describe('QualitySmoother', () => {
  // Samples by their jitter alone: 0 scores 1, 60 ms scores 2, 160 ms scores 3.
  const jitter = (jitterMs: number) => ({ rttMs: null, jitterMs, loss: 0 });
  const byScore: Record<number, number> = { 1: 0, 2: 60, 3: 160 };
  const run = (samples: Array<QualityScore | { jitterMs: number }>) => {
    const smoother = new QualitySmoother();
    return samples.map((s) => smoother.step(typeof s === 'number' ? jitter(byScore[s]!) : jitter(s.jitterMs)));
  };
  it('takes the first sample; falls after two worse samples in a row, to the better of them', () => {
    expect(run([1, 3, 1, 1])).toEqual([1, 1, 1, 1]); // one late heartbeat changes nothing
    expect(run([1, 3, 2, 2])).toEqual([1, 1, 2, 2]);
    expect(run([1, 2, 3, 3])).toEqual([1, 1, 2, 3]);
  });
  it('rises after two better samples in a row, to the worse of them', () => {
    expect(run([3, 1, 1, 1])).toEqual([3, 3, 1, 1]);
    expect(run([3, 1, 2, 1, 1])).toEqual([3, 3, 2, 2, 1]);
    expect(run([3, 1, 3, 1, 1])).toEqual([3, 3, 3, 3, 1]); // a worse sample starts the count again
  });
  it('does not flap at a step: rising needs the sample under the step lowered by the dead band', () => {
    const step = JITTER_STEPS_MS[0];
    const hovering = Array.from({ length: 20 }, (_, i) => ({ jitterMs: i % 3 === 2 ? step - 5 : step + 5 }));
    expect(new Set(run([{ jitterMs: step + 5 }, ...hovering]))).toEqual(new Set([2]));
    expect(run([2, { jitterMs: step * RISE_STRICTNESS + 1 }, { jitterMs: step * RISE_STRICTNESS - 1 }, { jitterMs: 0 }])).toEqual([2, 2, 2, 1]);
  });
  it('scoreOf with a strictness lowers every threshold', () => {
    expect(scoreOf({ rttMs: 80, jitterMs: 40, loss: 0.04 }, RISE_STRICTNESS)).toBe(3);
    expect(scoreOf({ rttMs: 80, jitterMs: 40, loss: 0 }, RISE_STRICTNESS)).toBe(3);
    expect(scoreOf({ rttMs: 80, jitterMs: 40, loss: 0 })).toBe(1);
  });
});

describe('UplinkMeter (server side, from heartbeat arrivals)', () => {
  it('regular arrivals are excellent; a missing heartbeat is loss; uneven gaps are jitter', () => {
    const meter = new UplinkMeter(1000);
    let now = 0;
    const beat = (gap: number) => meter.beat((now += gap));
    expect(meter.score).toBe(0);
    beat(0);
    for (let i = 0; i < 5; i++) beat(1000);
    expect(meter.score).toBe(1);
    // Two heartbeats missing (a 3 s gap) in a window of 5 gaps: 2 of 7 missing (29 %: bad).
    beat(3000);
    expect(meter.score).toBe(1); // one sample alone changes nothing
    beat(1000);
    expect(meter.score).toBe(4);
    // Back to regular: it climbs back once the gap is out of the window and two samples were better.
    for (let i = 0; i < 10; i++) beat(1000);
    expect(meter.score).toBe(1);
    // Gaps 200 ms off the period, both ways: jitter, no loss.
    for (let i = 0; i < 6; i++) beat(i % 2 === 0 ? 1200 : 800);
    expect(meter.score).toBe(3);
  });
  it('one stall (a heartbeat 200 ms late, the next one on time) is no jitter: the median of the deviations', () => {
    const meter = new UplinkMeter(1000);
    let now = 0;
    const beat = (gap: number) => meter.beat((now += gap));
    beat(0);
    for (let i = 0; i < 5; i++) beat(1000);
    for (const gap of [1200, 800, 1000, 1000, 1000, 1200, 800, 1000]) beat(gap);
    expect(meter.score).toBe(1);
  });
});

describe('DownlinkMeter (worker side, from heartbeat echoes)', () => {
  it('round trips set the score; an echo missing past the horizon, or overtaken, counts as lost', () => {
    const meter = new DownlinkMeter();
    let now = 0;
    const roundTrip = (rtt: number) => {
      const ts = now;
      meter.sent(ts);
      meter.echoed(ts, ts + rtt);
      now += 1000;
    };
    for (let i = 0; i < 3; i++) roundTrip(20);
    expect(meter.score).toBe(1);
    for (let i = 0; i < 3; i++) roundTrip(1200);
    expect(meter.score).toBe(5);
    for (let i = 0; i < 8; i++) roundTrip(20);
    expect(meter.score).toBe(1);
    // Two heartbeats never echoed: counted when the next goes out past the horizon.
    meter.sent(now);
    meter.sent((now += 1000));
    meter.sent((now += 3000));
    meter.echoed(now, now + 20);
    expect(meter.score).toBeGreaterThanOrEqual(4);
    // An echo that arrives after a later one's (overtaken): counted once, as lost.
    meter.reset();
    meter.sent(0);
    meter.sent(1000);
    meter.echoed(1000, 1020);
    meter.echoed(0, 1030); // too late: ignored
    // Of the two outcomes of the new link, one was lost: 50 % missing.
    expect(meter.score).toBe(5);
  });
});

describe('SessionQuality (what the server tells the client and the channel)', () => {
  it('on change only, at most every 2 s each', () => {
    const quality = new SessionQuality(1000);
    let now = 10_000;
    const news: ReturnType<SessionQuality['heartbeat']>[] = [];
    const beat = (gap: number) => news.push(quality.heartbeat((now += gap)));
    beat(0);
    beat(1000);
    expect(news.at(-1)).toEqual({ uplink: 1, share: [1, 0] });
    for (let i = 0; i < 5; i++) beat(1000);
    // Steady: nothing more to tell.
    expect(news.slice(2).every((n) => n === null)).toBe(true);
    // The client reports its downlink: shared at once (2 s passed), then not again within 2 s.
    expect(quality.reported(3, now).share).toEqual([1, 3]);
    expect(quality.reported(4, now + 500).share).toBeNull();
    beat(1000);
    expect(news.at(-1)).toBeNull();
    beat(1000);
    expect(news.at(-1)!.share).toEqual([1, 4]);
  });
});

describe('QualityReporter (the worker tells the app and the server)', () => {
  it('emits every 2 s while joined; reports the downlink to the server only when it changed', () => {
    vi.useFakeTimers();
    let down: QualityScore = 1;
    const emitted: number[] = [];
    const reported: number[] = [];
    const reporter = new QualityReporter(realTimers, () => down, {
      emit: (q) => emitted.push(q.downlinkNetworkQuality),
      report: (d) => reported.push(d),
    });
    reporter.joined();
    reporter.setUplink(2);
    vi.advanceTimersByTime(6000);
    expect(emitted).toEqual([1, 1, 1]);
    expect(reported).toEqual([1]);
    expect(reporter.current).toEqual({ uplinkNetworkQuality: 2, downlinkNetworkQuality: 1 });
    down = 4;
    vi.advanceTimersByTime(2000);
    expect(reported).toEqual([1, 4]);
    reporter.stop();
    vi.advanceTimersByTime(10_000);
    expect(emitted).toHaveLength(4);
    // A new join: the server has heard nothing of this link yet.
    reporter.joined();
    vi.advanceTimersByTime(2000);
    expect(reported).toEqual([1, 4, 4]);
  });
});

describe('AttributeWriter (a burst of sets, coalesced)', () => {
  it('writes at most every 100 ms, the last value wins, and every request is settled', async () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const settled: number[] = [];
    const writer = new AttributeWriter(
      async (attributes) => {
        writes.push(attributes.n!);
      },
      (ids) => settled.push(...ids),
    );
    for (let i = 1; i <= 20; i++) writer.set(i, { n: String(i) });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(150);
    expect(writes).toEqual(['1', '20']);
    expect(settled.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    writer.close();
  });
});
