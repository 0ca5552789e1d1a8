/**
 * Collects engine output and posts it to the main thread as one message per task, so a snapshot
 * diff with hundreds of events costs one message. Binary data rides in the transfer list.
 */
import type { EngineOutput, EnginePort, EventBatch } from '../src/boundary.js';

export class EventBatcher {
  private queue: EngineOutput[] = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled = false;
  private seq = 0;

  constructor(private readonly port: EnginePort) {}

  /** Sequence number of the last batch posted: replies carry it so the main thread can order them after their events. */
  get lastSeq(): number {
    return this.seq;
  }

  push(item: EngineOutput): void {
    this.queue.push(item);
    if (item.kind === 'message' && item.data instanceof ArrayBuffer) this.transfer.push(item.data);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch: EventBatch = { seq: ++this.seq, items: this.queue };
    const transfer = this.transfer;
    this.queue = [];
    this.transfer = [];
    this.port.postMessage(batch, transfer);
  }
}
