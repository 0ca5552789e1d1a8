/**
 * One run of a story: everything both clients reported, stamped with the time since the run
 * started (on this page's clock, when the main thread received it). The lanes, the step list, the
 * log and the e2e test all read this record; nothing in it is scripted.
 */
import type { ChannelClient, ChannelEvent, ConnectionState, Uid } from 'channel-link';
import { StepClassifier, describeEvent, otherOf, type Lane, type StepId } from './steps.js';

/** event: a client reported it; action: the script did it; note: what a state means; verdict: the page's conclusion. */
export type MarkKind = 'event' | 'action' | 'note' | 'verdict';
/**
 * ok: arrived or connected; warn: connecting, cut; gone: left or lost, as the story expects;
 * failed: an attempt that failed, as expected while cut; info: neutral; bad: fits no step, or a
 * verdict that the story did not hold. Only bad is drawn red.
 */
export type Tone = 'ok' | 'warn' | 'gone' | 'failed' | 'info' | 'bad';

export interface Mark {
  seq: number;
  lane: Lane;
  /** ms since the run started. */
  at: number;
  step: StepId | null;
  kind: MarkKind;
  text: string;
  tone: Tone;
}

/** A period drawn across lanes: UID 1's network cut, or the page frozen. */
export interface Span {
  kind: 'cut' | 'freeze';
  lanes: readonly Lane[];
  from: number;
  to: number;
  label: string;
}

/** What a lane's user sees of the other user, from its `peers$`. */
export type Sight = 'none' | 'online' | 'stream';

/** A value that holds from `at` until the next entry. */
export interface Change<T> {
  at: number;
  value: T;
}

export interface LaneRecord {
  states: Change<ConnectionState>[];
  sight: Change<Sight>[];
  /** Times of ticks sent (UID 1) or received (UID 2). */
  ticks: number[];
}

const MAX_TICKS = 20_000;

export class Run {
  readonly startedAt = performance.now();
  endedAt: number | null = null;
  readonly marks: Mark[] = [];
  readonly spans: Span[] = [];
  readonly lanes: Record<Lane, LaneRecord> = { 1: emptyLane(), 2: emptyLane() };
  private readonly classifiers: Record<Lane, StepClassifier> = { 1: new StepClassifier(1), 2: new StepClassifier(2) };
  private readonly listeners = new Set<(mark: Mark | null) => void>();
  private seq = 0;

  /** ms since the run started. */
  now(): number {
    return performance.now() - this.startedAt;
  }

  /** Duration so far, or the final one. */
  elapsed(): number {
    return this.endedAt ?? this.now();
  }

  end(): void {
    this.endedAt ??= this.now();
    this.changed(null);
  }

  /** Records what `client` (the user of `lane`) reports; returns the subscriptions to end. */
  watch(lane: Lane, client: ChannelClient): { unsubscribe(): void }[] {
    const other: Uid = otherOf(lane);
    return [
      client.connectionState$.subscribe((state) => {
        this.lanes[lane].states.push({ at: this.now(), value: state });
        this.changed(null);
      }),
      client.peers$.subscribe((peers) => {
        const peer = peers.get(other);
        const sight: Sight = !peer ? 'none' : peer.streams.size > 0 ? 'stream' : 'online';
        const sights = this.lanes[lane].sight;
        if (sights.at(-1)?.value !== sight) sights.push({ at: this.now(), value: sight });
        this.changed(null);
      }),
      client.events$.subscribe((event) => this.onEvent(lane, event)),
    ];
  }

  /**
   * Something the script did (join, publish, cut, restore). `at`: when it took effect, if that is
   * not now (a timer of the worker may beat the page's).
   */
  action(lane: Lane, text: string, step: StepId | null, tone: Tone = 'info', at?: number): Mark {
    return this.add({ lane, step, kind: 'action', text, tone }, at);
  }

  /** What a reported state means, where no event says it (e.g. CONNECTING: the worker retries). */
  note(lane: Lane, text: string, step: StepId | null, tone: Tone = 'info'): Mark {
    return this.add({ lane, step, kind: 'note', text, tone });
  }

  /** A conclusion the page drew from the record (e.g. "UID 2 saw nothing"). */
  verdict(lane: Lane, text: string, step: StepId | null, tone: Tone): Mark {
    return this.add({ lane, step, kind: 'verdict', text, tone });
  }

  span(span: Span): void {
    this.spans.push(span);
    this.changed(null);
  }

  tick(lane: Lane): void {
    if (this.endedAt !== null) return;
    const ticks = this.lanes[lane].ticks;
    ticks.push(this.now());
    if (ticks.length > MAX_TICKS) ticks.splice(0, ticks.length - MAX_TICKS);
  }

  /** Ticks of `lane` after `since` (ms since start). */
  ticksSince(lane: Lane, since: number): number {
    const ticks = this.lanes[lane].ticks;
    let n = 0;
    for (let i = ticks.length - 1; i >= 0 && ticks[i]! > since; i--) n++;
    return n;
  }

  /** The first mark of `step` (on `lane`, or on either). */
  first(step: StepId, lane?: Lane): Mark | undefined {
    return this.marks.find((m) => m.step === step && (lane === undefined || m.lane === lane));
  }

  /** Client events (not actions or verdicts) of `lane` after `since`. */
  eventsSince(lane: Lane, since: number): Mark[] {
    return this.marks.filter((m) => m.lane === lane && m.kind === 'event' && m.at > since);
  }

  /** Calls `listener` after every change; the mark when one was added. */
  onChange(listener: (mark: Mark | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once `done()` holds (checked now and after every change and tick window), rejects
   * when `timeoutMs` passes first or `signal` aborts. `what` names the wait in the error.
   */
  until(done: () => boolean, timeoutMs: number, what: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        off();
        clearTimeout(timer);
        clearInterval(poll);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (done()) finish();
      };
      const onAbort = () => finish(new StoryAborted());
      const off = this.onChange(check);
      // Ticks do not announce themselves: poll for conditions on them.
      const poll = setInterval(check, 50);
      const timer = setTimeout(() => finish(new StepTimeout(what, timeoutMs)), timeoutMs);
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
      else check();
    });
  }

  private onEvent(lane: Lane, event: ChannelEvent): void {
    // Every 2 s, whatever happens: the status cards draw it as bars, the lanes keep to the story.
    if (event.type === 'network-quality') return;
    const step = this.classifiers[lane].classify(event);
    this.add({ lane, step, kind: 'event', text: describeEvent(event), tone: step ? toneOf(event) : 'bad' });
  }

  private add(mark: Omit<Mark, 'seq' | 'at'>, at = this.now()): Mark {
    const full = { ...mark, seq: ++this.seq, at };
    // Marks stay in time order, also one placed at a moment already past.
    let index = this.marks.length;
    while (index > 0 && this.marks[index - 1]!.at > at) index--;
    this.marks.splice(index, 0, full);
    this.changed(full);
    return full;
  }

  private changed(mark: Mark | null): void {
    for (const listener of [...this.listeners]) listener(mark);
  }
}

export class StoryAborted extends Error {
  constructor() {
    super('stopped');
  }
}

export class StepTimeout extends Error {
  constructor(
    readonly what: string,
    timeoutMs: number,
  ) {
    super(`${what}: not seen within ${(timeoutMs / 1000).toFixed(0)} s`);
  }
}

function emptyLane(): LaneRecord {
  return { states: [], sight: [], ticks: [] };
}

/** The tone of an event that fits its step. */
function toneOf(event: ChannelEvent): Tone {
  switch (event.type) {
    case 'peer-leave':
    case 'stream-removed':
    case 'stream-gap':
      return 'gone';
    case 'connection-attempt-failed':
      return 'failed';
    case 'exception':
      return 'bad';
    case 'connection-state-change':
      return event.curState === 'CONNECTED' ? 'ok' : 'warn';
    default:
      return 'ok';
  }
}
