/** The message log of the in-memory store: one StreamBuffer per stream, swept when a stream that went away has outlived the window. */
import { streamKey } from '../src/keys.js';
import type { Uid } from '../src/types.js';
import type { MessageLog } from './message-log.js';
import { StreamBuffer, type BufferBounds, type BufferedMessage, type Replay } from './stream-buffer.js';
import type { ChannelKey, MemberRef } from './store.js';

/** A stream's kept messages; a stream that went away keeps them until `expiresAt`. */
interface Kept {
  buffer: StreamBuffer;
  expiresAt: number | null;
}

const keptKey = (key: ChannelKey, uid: Uid, streamId: string): string => `${key}\n${streamKey(uid, streamId)}`;

export class MemoryMessageLog implements MessageLog {
  private readonly kept = new Map<string, Kept>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly bounds: BufferBounds) {}

  /** Starts sweeping: streams that went quiet keep their messages for the window only. */
  open(): void {
    this.sweeper = setInterval(() => this.sweep(Date.now()), Math.max(1000, this.bounds.windowMs));
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  append(ref: MemberRef, streamId: string, message: BufferedMessage): void {
    const k = keptKey(ref.key, ref.uid, streamId);
    let kept = this.kept.get(k);
    if (!kept) this.kept.set(k, (kept = { buffer: new StreamBuffer(this.bounds), expiresAt: null }));
    kept.buffer.append(message, Date.now());
  }

  async read(key: ChannelKey, uid: Uid, streamId: string, epoch: number, seq: number): Promise<Replay | null> {
    const kept = this.kept.get(keptKey(key, uid, streamId));
    return kept ? kept.buffer.after(epoch, seq, Date.now()) : null;
  }

  /** The stream is published (again): its messages stay; the newest kept, if any. */
  keep(key: ChannelKey, uid: Uid, streamId: string): { epoch: number; seq: number } | null {
    const kept = this.kept.get(keptKey(key, uid, streamId));
    if (!kept) return null;
    kept.expiresAt = null;
    return kept.buffer.last;
  }

  /** The stream went away: its messages go now (`drop`), or after the window (it may come back). */
  release(key: ChannelKey, uid: Uid, streamId: string, drop: boolean): void {
    const k = keptKey(key, uid, streamId);
    if (drop) this.kept.delete(k);
    else {
      const kept = this.kept.get(k);
      if (kept) kept.expiresAt = Date.now() + this.bounds.windowMs;
    }
  }

  /** Buffered messages and bytes across every stream (for stats and tests). */
  get buffered(): { messages: number; bytes: number } {
    let messages = 0;
    let bytes = 0;
    for (const { buffer } of this.kept.values()) {
      messages += buffer.size;
      bytes += buffer.sizeBytes;
    }
    return { messages, bytes };
  }

  private sweep(now: number): void {
    for (const [k, kept] of this.kept) {
      const empty = kept.buffer.trim(now);
      if ((kept.expiresAt !== null && kept.expiresAt <= now) || (empty && kept.expiresAt !== null)) this.kept.delete(k);
    }
  }
}
