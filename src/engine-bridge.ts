/**
 * The main thread's one bridge to the engine: it starts the host, guards every call (a named
 * timeout, CLOSED after close(), WORKER_FAILED when the host dies), watches an isolated worker,
 * and resolves each reply only after the event batches the reply follows have been applied.
 */
import { CallGuard } from './call-guard.js';
import type { EngineApi, EngineOutput, EngineSignal, EventBatch, Result } from './boundary.js';
import type { EngineHost, HostFactory } from './engine-host.js';
import { ChannelLinkError } from './errors.js';
import type { EngineOptions } from './types.js';
import { WorkerWatchdog } from './worker-watchdog.js';

/** How long a reply may take beyond the engine's own deadline before the call is declared lost. */
export const REPLY_GRACE_MS = 5000;

/** The deadline of each kind of call, from the client's options. */
export function callTimeouts(options: EngineOptions) {
  return {
    /** join() has its own deadline in the engine (joinTimeoutMs). */
    join: options.joinTimeoutMs + REPLY_GRACE_MS,
    /** A request may wait out a reconnect attempt, then the server's answer. */
    request: options.connectionTimeoutMs * 2 + REPLY_GRACE_MS,
    /** dispose() leaves first, which is bounded by the connection timeout. */
    dispose: options.connectionTimeoutMs + REPLY_GRACE_MS,
  };
}
export type CallKind = keyof ReturnType<typeof callTimeouts>;

export interface EngineBridgeSink {
  /** The items of one event batch, in order (one batch: one task of the engine's output). */
  onBatch(items: readonly EngineOutput[]): void;
  /** The engine's host died or stopped answering; every call has been rejected with WORKER_FAILED. */
  onFailure(error: ChannelLinkError): void;
}

export class EngineBridge {
  private readonly guard = new CallGuard();
  private readonly timeouts: ReturnType<typeof callTimeouts>;
  private readonly host: Promise<EngineHost>;
  /** The host once started, so send() skips a promise hop on its hot path. */
  private ready: EngineHost | null = null;
  private watchdog: WorkerWatchdog | null = null;
  private processedSeq = 0;
  private readonly seqWaiters: { seq: number; resolve(): void }[] = [];
  private closing: Promise<void> | null = null;

  constructor(
    options: EngineOptions,
    hostFactory: HostFactory,
    private readonly sink: EngineBridgeSink,
  ) {
    this.timeouts = callTimeouts(options);
    this.host = hostFactory(options, {
      onBatch: (batch) => this.applyBatch(batch),
      onFailure: (error) => this.fail(error),
    });
    this.host.then(
      (host) => {
        this.ready = host;
        if (host.isolated && !this.closing && !this.guard.closedError) {
          this.watchdog = new WorkerWatchdog(
            () => host.api.stats(),
            () => this.fail(new ChannelLinkError('WORKER_FAILED', 'engine worker stopped answering')),
          );
        }
      },
      (error: unknown) => this.fail(ChannelLinkError.from(error, 'WORKER_FAILED')),
    );
  }

  /** The error every call now rejects with, once the bridge is closed or failed. */
  get closedError(): ChannelLinkError | null {
    return this.guard.closedError;
  }

  /** Calls the engine; settles with its value, its error, or the guard's timeout/closed error. */
  async call<T>(what: string, run: (api: EngineApi) => Promise<Result<T>>, kind: CallKind = 'request'): Promise<T> {
    const result = await this.guard.run(async () => run((await this.host).api), this.timeouts[kind], what);
    await this.eventsUpTo(result.seq);
    if (!result.ok) throw ChannelLinkError.from(result.error);
    return result.value;
  }

  /** A one-way signal to the engine, posted before this returns once the host is up (see EngineSignal). */
  signal(signal: EngineSignal): void {
    if (this.guard.closedError) return;
    if (this.ready) this.ready.signal(signal);
    else void this.host.then((host) => host.signal(signal)).catch(() => {});
  }


  /** Stream data, fire and forget: real-time data is not acknowledged; failures surface as `exception`. */
  send(streamId: string, payload: string | ArrayBuffer): void {
    if (this.guard.closedError) throw this.guard.closedError;
    if (this.ready) this.ready.send(streamId, payload);
    else void this.host.then((host) => host.send(streamId, payload)).catch(() => {});
  }

  /** Disposes of the engine (it leaves first), then ends its host; later calls reject with CLOSED. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.watchdog?.stop();
    if (!this.guard.closedError) {
      try {
        await this.call('dispose', (api) => api.dispose(), 'dispose');
      } catch {
        // The engine is going away regardless; what matters is that nothing is left running.
      }
      this.guard.close('CLOSED', 'client destroyed');
    }
    this.releaseSeqWaiters();
    await this.terminateHost();
  }

  private fail(error: ChannelLinkError): void {
    if (this.guard.closedError) return;
    this.watchdog?.stop();
    this.guard.close('WORKER_FAILED', error.message);
    this.releaseSeqWaiters();
    this.sink.onFailure(error);
    void this.terminateHost();
  }

  private terminateHost(): Promise<void> {
    return this.host.then((host) => host.terminate()).catch(() => {});
  }

  /** Replies can overtake event batches (different ports): wait until the events they follow are applied. */
  private eventsUpTo(seq: number): Promise<void> {
    if (seq <= this.processedSeq) return Promise.resolve();
    return new Promise((resolve) => this.seqWaiters.push({ seq, resolve }));
  }

  private applyBatch(batch: EventBatch): void {
    this.sink.onBatch(batch.items);
    this.processedSeq = batch.seq;
    for (let i = this.seqWaiters.length - 1; i >= 0; i--) {
      const waiter = this.seqWaiters[i]!;
      if (waiter.seq <= batch.seq) {
        this.seqWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private releaseSeqWaiters(): void {
    for (const waiter of this.seqWaiters.splice(0)) waiter.resolve();
  }
}
