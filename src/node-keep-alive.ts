/**
 * Node: an engine on a worker_threads worker keeps the process alive only while its client holds
 * a link (the last state it reported is not DISCONNECTED) or a call to it is pending, as a socket
 * would: a client that never joined, whose join failed, that left, or that the server ended lets
 * the process exit. A worker and a listening MessagePort are ref'd by default; this refs and
 * unrefs them with the link's life.
 */
import type { EventBatch } from './boundary.js';

export class KeepAlive {
  private pending = 0;
  private linked = false;
  /** Workers and ports start ref'd. */
  private on = true;

  constructor(private readonly apply: (on: boolean) => void) {}

  /** Follows the client's state in the engine's event batches. */
  observe(batch: EventBatch): void {
    for (const item of batch.items) {
      if (item.kind === 'event' && item.event.type === 'connection-state-change') this.linked = item.event.curState !== 'DISCONNECTED';
    }
    this.update();
  }

  /** `api` whose every method call counts as pending until it settles. */
  track<T extends object>(api: T): T {
    return new Proxy(api, {
      get: (target, name) => {
        const member: unknown = Reflect.get(target, name);
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) => {
          this.pending++;
          this.update();
          return Promise.resolve((member as (...a: unknown[]) => unknown)(...args)).finally(() => {
            this.pending--;
            this.update();
          });
        };
      },
    });
  }

  /** Applies what is wanted now (also once the engine is up: nothing pending, no link yet). */
  update(): void {
    const wanted = this.linked || this.pending > 0;
    if (wanted === this.on) return;
    this.on = wanted;
    this.apply(wanted);
  }
}
