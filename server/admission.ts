/**
 * Admission control of joins (docs/operations.md, Admission control): at most `maxJoinsInFlight`
 * joins are handled at once; a few more wait for a slot, resumes ahead of fresh joins; beyond
 * that a join is deferred: the client is told SERVER_BUSY with a wait (deferral-pacer.ts) and
 * comes back then. A returning member (its join names a session) goes before a newcomer: a
 * resume is queued ahead of every fresh join and may take the place of one when the queue is
 * full, and a fresh join is deferred while any resume waits.
 *
 * A slot is held until the event loop has turned after the join's reply: on the in-memory store
 * a join completes within one turn, so the limit bounds how many joins (not deferrals) one turn
 * of the loop takes, and so how long a herd can stall the heartbeats of everyone else.
 */
import type { ServerCounters } from './counters.js';
import type { DeferralPacer } from './deferral-pacer.js';

/** A returning member's join (it names its session), or a newcomer's. */
export type JoinKind = 'resume' | 'join';

export type AdmissionVerdict = { readonly admitted: true; release(): void } | { readonly admitted: false; readonly retryAfterMs: number };

interface Waiting {
  readonly kind: JoinKind;
  settle(verdict: AdmissionVerdict): void;
}

export class Admission {
  private inFlight = 0;
  /** Joins waiting for a slot: resumes first, then fresh joins, each in arrival order. */
  private readonly waiting: Waiting[] = [];

  constructor(
    private readonly limit: number,
    private readonly pacer: DeferralPacer,
    private readonly counters: ServerCounters,
  ) {}

  /** Joins being handled now, and waiting for a slot. */
  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.waiting.length };
  }

  /** A slot now, one once a slot frees (queued), or a deferral with the wait to ask for. */
  enter(kind: JoinKind): AdmissionVerdict | Promise<AdmissionVerdict> {
    if (this.inFlight < this.limit && this.waiting.length === 0) return this.grant(kind);
    const resumesWaiting = this.waiting[0]?.kind === 'resume';
    if (kind === 'join') {
      // Fresh joins queue only behind other fresh joins: while a resume waits, they are deferred.
      if (resumesWaiting || this.waiting.length >= this.limit) return this.defer('join');
      return this.queue(kind, this.waiting.length);
    }
    // Full of fresh joins: the last one to arrive makes room for the returning member.
    if (this.waiting.length >= this.limit && this.waiting.at(-1)?.kind === 'join') this.waiting.pop()!.settle(this.defer('join'));
    if (this.waiting.length >= this.limit) return this.defer('resume');
    const firstJoin = this.waiting.findIndex((w) => w.kind === 'join');
    return this.queue(kind, firstJoin === -1 ? this.waiting.length : firstJoin);
  }

  private queue(kind: JoinKind, at: number): Promise<AdmissionVerdict> {
    return new Promise((settle) => this.waiting.splice(at, 0, { kind, settle }));
  }

  private grant(kind: JoinKind): AdmissionVerdict {
    this.inFlight++;
    this.pacer.admitted();
    if (kind === 'resume') this.counters.admittedResumes++;
    else this.counters.admittedJoins++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        setImmediate(() => this.free());
      },
    };
  }

  /** A slot frees: the first waiting join takes it. */
  private free(): void {
    this.inFlight--;
    const next = this.waiting.shift();
    if (next) next.settle(this.grant(next.kind));
  }

  private defer(kind: JoinKind): AdmissionVerdict {
    if (kind === 'resume') this.counters.deferredResumes++;
    else this.counters.deferredJoins++;
    return { admitted: false, retryAfterMs: this.pacer.retryAfterMs() };
  }
}
