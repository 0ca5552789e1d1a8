/**
 * The recent messages of one stream, for subscribers that resume: bounded by age, count and
 * bytes, oldest dropped first. One epoch at a time: a message of another epoch (the publisher
 * restarted the stream's numbering) starts the buffer afresh.
 */

export interface BufferedMessage {
  epoch: number;
  seq: number;
  /** The frame as subscribers get it (encodeServerData). */
  frame: Uint8Array;
}

export interface BufferBounds {
  /** Messages older than this are dropped. */
  windowMs: number;
  maxMessages: number;
  maxBytes: number;
}

/** What a resuming subscriber is sent: the messages after its position, from..to (from > to: none). */
export interface Replay {
  epoch: number;
  from: number;
  to: number;
  messages: BufferedMessage[];
}

export class StreamBuffer {
  private epoch = -1;
  private readonly seqs: number[] = [];
  private readonly frames: Uint8Array[] = [];
  private readonly times: number[] = [];
  /** Index of the oldest kept entry (entries before it are dropped; compacted now and then). */
  private head = 0;
  private bytes = 0;
  /** The newest seq ever appended in this epoch (it stays known after its message is dropped). */
  private newest = 0;

  constructor(private readonly bounds: BufferBounds) {}

  get size(): number {
    return this.seqs.length - this.head;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  /** The newest [epoch, seq] appended, or null. */
  get last(): { epoch: number; seq: number } | null {
    return this.newest > 0 ? { epoch: this.epoch, seq: this.newest } : null;
  }

  append(message: BufferedMessage, now: number): void {
    if (message.epoch !== this.epoch) this.reset(message.epoch);
    this.seqs.push(message.seq);
    this.frames.push(message.frame);
    this.times.push(now);
    this.bytes += message.frame.byteLength;
    this.newest = Math.max(this.newest, message.seq);
    this.trim(now);
  }

  /** The messages after `seq` of `epoch` (of another epoch: all that are kept). */
  after(epoch: number, seq: number, now: number): Replay {
    this.trim(now);
    const from = epoch === this.epoch ? seq : 0;
    const messages: BufferedMessage[] = [];
    for (let i = this.head; i < this.seqs.length; i++) {
      if (this.seqs[i]! > from) messages.push({ epoch: this.epoch, seq: this.seqs[i]!, frame: this.frames[i]! });
    }
    const to = this.newest;
    return { epoch: this.epoch, from: messages[0]?.seq ?? to + 1, to, messages };
  }

  /** Drops what is too old or over the bounds; true when nothing is left. */
  trim(now: number): boolean {
    const { windowMs, maxMessages, maxBytes } = this.bounds;
    while (this.size > 0 && (this.size > maxMessages || this.bytes > maxBytes || this.times[this.head]! < now - windowMs)) {
      this.bytes -= this.frames[this.head]!.byteLength;
      this.frames[this.head] = EMPTY;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.seqs.length) this.compact();
    return this.size === 0;
  }

  private reset(epoch: number): void {
    this.epoch = epoch;
    this.seqs.length = this.frames.length = this.times.length = 0;
    this.head = this.bytes = this.newest = 0;
  }

  private compact(): void {
    this.seqs.splice(0, this.head);
    this.frames.splice(0, this.head);
    this.times.splice(0, this.head);
    this.head = 0;
  }
}

const EMPTY = new Uint8Array(0);
