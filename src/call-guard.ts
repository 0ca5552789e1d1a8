/**
 * Every call across the worker boundary settles: it resolves with the engine's answer, or rejects
 * on its timeout, with CLOSED once the client is destroyed, or with WORKER_FAILED if the engine's
 * host dies. Nothing the app awaits can hang forever.
 */
import { ChannelLinkError, type ErrorCode } from './errors.js';

interface Pending {
  reject(error: ChannelLinkError): void;
}

export class CallGuard {
  private readonly pending = new Set<Pending>();
  private closedWith: ChannelLinkError | null = null;

  get closedError(): ChannelLinkError | null {
    return this.closedWith;
  }

  run<T>(call: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        reject: (error) => {
          this.pending.delete(entry);
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(
        () => entry.reject(new ChannelLinkError('TIMEOUT', `${what} got no answer from the engine within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.pending.add(entry);
      call().then(
        (value) => {
          if (!this.pending.has(entry)) return;
          this.pending.delete(entry);
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          if (this.pending.has(entry)) entry.reject(ChannelLinkError.from(error, 'WORKER_FAILED'));
        },
      );
    });
  }

  /** Rejects every pending call and every later one with `code`. */
  close(code: ErrorCode, message: string): void {
    if (!this.closedWith) this.closedWith = new ChannelLinkError(code, message);
    for (const entry of [...this.pending]) entry.reject(this.closedWith);
  }
}
