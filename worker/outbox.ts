/**
 * One published stream on the sending side: numbers its messages (an epoch per stream, seq from
 * 1) and keeps the recent ones, sent or not, within the continuity window and a byte cap. After a
 * reconnect the server says the newest message it has; what came after is sent again, so an
 * outage loses nothing within the window, and what fell out of it is reported as a gap.
 */
import { encodeClientData } from '../src/protocol.js';

export interface OutboxBounds {
  /** The server's continuity window (it keeps messages that long for subscribers). */
  windowMs(): number;
  maxBytes: number;
  maxMessages: number;
}

/** A range of seqs lost for good, inclusive. */
export interface SeqRange {
  from: number;
  to: number;
}

const MAX_SEQ = 0xffffffff;

export class Outbox {
  private nextSeq = 1;
  private seqs: number[] = [];
  private frames: Uint8Array[] = [];
  private times: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    readonly streamId: string,
    private epochValue: number,
    private readonly bounds: OutboxBounds,
    private readonly newEpoch: () => number,
  ) {}

  get epoch(): number {
    return this.epochValue;
  }

  /** Whether any message was numbered yet (in this epoch). */
  get sentAny(): boolean {
    return this.nextSeq > 1;
  }

  /** Numbers a message, keeps it, and returns its frame. */
  take(data: string | Uint8Array, now: number): Uint8Array {
    if (this.nextSeq > MAX_SEQ) this.restart();
    const seq = this.nextSeq++;
    const frame = encodeClientData(this.streamId, this.epochValue, seq, data);
    this.seqs.push(seq);
    this.frames.push(frame);
    this.times.push(now);
    this.bytes += frame.byteLength;
    this.trim(now);
    return frame;
  }

  /**
   * The server holds the stream up to [epoch, seq] (null: nothing of it): forgets what it has,
   * and returns what must be sent again, oldest first, and what was lost (dropped from here
   * before the server got it).
   */
  resume(held: { epoch: number; seq: number } | null, now: number): { resend: Uint8Array[]; lost: SeqRange | null } {
    this.trim(now);
    const known = held !== null && held.epoch === this.epochValue ? held.seq : null;
    if (known !== null) while (this.head < this.seqs.length && this.seqs[this.head]! <= known) this.drop();
    const oldest = this.head < this.seqs.length ? this.seqs[this.head]! : this.nextSeq;
    const lost = known !== null && oldest > known + 1 ? { from: known + 1, to: oldest - 1 } : null;
    return { resend: this.frames.slice(this.head), lost };
  }

  private trim(now: number): void {
    const oldestAllowed = now - this.bounds.windowMs();
    while (
      this.head < this.seqs.length &&
      (this.bytes > this.bounds.maxBytes || this.seqs.length - this.head > this.bounds.maxMessages || this.times[this.head]! < oldestAllowed)
    ) {
      this.drop();
    }
    if (this.head > 1024 && this.head * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.frames = this.frames.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  private drop(): void {
    this.bytes -= this.frames[this.head]!.byteLength;
    this.frames[this.head] = EMPTY;
    this.head++;
  }

  /** After 2^32 - 1 messages the stream starts a new epoch, numbered from 1 again. */
  private restart(): void {
    this.epochValue = this.newEpoch();
    this.nextSeq = 1;
    this.seqs = [];
    this.frames = [];
    this.times = [];
    this.head = this.bytes = 0;
  }
}

const EMPTY = new Uint8Array(0);
