/**
 * A session's attribute updates on their way to the store: at most one write per interval, and
 * a burst in between is coalesced, so the latest value always arrives and nothing else piles up
 * (docs/behaviour.md, Attributes). Each request is acked once a write of its value, or of a later
 * one, is done.
 */
import type { Attributes } from './store.js';

export const ATTRIBUTE_INTERVAL_MS = 100;

export class AttributeWriter {
  private pending: { attributes: Attributes; ids: number[] } | null = null;
  private writing = false;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly write: (attributes: Attributes) => Promise<unknown>,
    /** Settles the requests a write covered: its error, or undefined when done. */
    private readonly settle: (ids: readonly number[], error: unknown) => void,
  ) {}

  set(id: number, attributes: Attributes): void {
    this.pending = { attributes, ids: [...(this.pending?.ids ?? []), id] };
    this.kick();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private kick(): void {
    if (this.closed || this.writing || !this.pending || this.timer) return;
    const wait = this.lastWriteAt + ATTRIBUTE_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, wait);
      this.timer.unref();
      return;
    }
    void this.flush();
  }

  private async flush(): Promise<void> {
    const job = this.pending!;
    this.pending = null;
    this.writing = true;
    this.lastWriteAt = Date.now();
    let failure: unknown;
    try {
      await this.write(job.attributes);
    } catch (error) {
      failure = error;
    }
    this.writing = false;
    if (!this.closed) this.settle(job.ids, failure);
    this.kick();
  }
}
