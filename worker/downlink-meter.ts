/**
 * The downlink as the client sees it (docs/behaviour.md, Network quality): each heartbeat's echo
 * gives a round-trip time; an echo that has not come back within ECHO_HORIZON_MS counts as
 * missing. The score looks at the last few outcomes: arithmetic per heartbeat, nothing more.
 */
import { QualitySmoother, type QualityScore } from '../src/quality.js';

/** An echo later than this is missing (a round trip of a second already scores 5). */
export const ECHO_HORIZON_MS = 2000;
/** Outcomes (echo or miss) the loss share is taken over. */
const WINDOW = 5;
/** Echoes the round-trip time and jitter are taken over: few, so a recovered link shows soon. */
const RTT_WINDOW = 3;

export class DownlinkMeter {
  /** Send times of heartbeats not echoed yet, oldest first. */
  private outstanding: number[] = [];
  /** The last outcomes: a round-trip time, or null for a missing echo. */
  private outcomes: (number | null)[] = [];
  private readonly smoother = new QualitySmoother();

  get score(): QualityScore {
    return this.smoother.current;
  }

  /** A heartbeat stamped `ts` went out; echoes missing for too long are counted first. */
  sent(ts: number): void {
    while (this.outstanding.length > 0 && ts - this.outstanding[0]! >= ECHO_HORIZON_MS) {
      this.outstanding.shift();
      this.record(null);
    }
    this.outstanding.push(ts);
  }

  /** The echo of the heartbeat stamped `ts` arrived at `now` (a late or unknown one is ignored). */
  echoed(ts: number, now: number): void {
    const at = this.outstanding.indexOf(ts);
    if (at < 0) return;
    // Earlier heartbeats still unanswered were overtaken: the link lost them.
    for (let i = 0; i < at; i++) this.record(null);
    this.outstanding.splice(0, at + 1);
    this.record(Math.max(0, now - ts));
  }

  /** A new link: nothing measured yet. */
  reset(): void {
    this.outstanding = [];
    this.outcomes = [];
    this.smoother.reset();
  }

  private record(rtt: number | null): void {
    this.outcomes.push(rtt);
    if (this.outcomes.length > WINDOW) this.outcomes.shift();
    const echoed = this.outcomes.filter((r): r is number => r !== null);
    const rtts = echoed.slice(-RTT_WINDOW);
    let sum = 0;
    let jitter = 0;
    rtts.forEach((r, i) => {
      sum += r;
      if (i > 0) jitter += Math.abs(r - rtts[i - 1]!);
    });
    this.smoother.step({
      rttMs: rtts.length ? sum / rtts.length : null,
      jitterMs: rtts.length > 1 ? jitter / (rtts.length - 1) : 0,
      loss: 1 - echoed.length / this.outcomes.length,
    });
  }
}
