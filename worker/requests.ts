/**
 * Requests awaiting an `ack`/`error` from the server. Every entry has a timeout and is rejected
 * when the link it was sent on goes away, so no promise outlives its socket.
 */
import { ChannelLinkError, type ErrorCode } from '../src/errors.js';
import { TimerGroup, type TimerHandle, type Timers } from './env.js';

interface Pending {
  resolve(): void;
  reject(error: ChannelLinkError): void;
  timer: TimerHandle;
}

export class PendingRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly timers: TimerGroup;

  constructor(timers: Timers) {
    this.timers = new TimerGroup(timers);
  }

  /** Registers a request; `send(id)` transmits it. */
  create(send: (id: number) => boolean, timeoutMs: number): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      const timer = this.timers.set(() => {
        this.pending.delete(id);
        reject(new ChannelLinkError('TIMEOUT', `no answer from the server within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (!send(id)) this.settle(id, new ChannelLinkError('NETWORK_ERROR', 'not connected'));
    });
  }

  /** Settles request `id`: ok without `error`, rejected with it. Unknown ids are ignored. */
  settle(id: number, error?: ChannelLinkError): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    this.timers.clear(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve();
  }

  rejectAll(code: ErrorCode, message: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, new ChannelLinkError(code, message));
  }

  get size(): number {
    return this.pending.size;
  }
}
