/**
 * The main-thread client: RxJS observables and Agora-style listeners over an engine that runs in
 * a worker. It holds only mirrors (state, peers) rebuilt from the engine's event batches.
 */
import { BehaviorSubject, distinctUntilChanged, map, type Observable } from 'rxjs';
import { CallGuard } from './call-guard.js';
import type { AsyncWorkerApi, EngineHost, HostFactory } from './engine-host.js';
import { ChannelLinkError } from './errors.js';
import { EventHub, type ChannelEventHandler } from './event-hub.js';
import { resolveOptions, type ClientOptions } from './options.js';
import { PeerMirror } from './peer-mirror.js';
import { WorkerWatchdog } from './worker-watchdog.js';
import { RemoteStreamRouter, toTransferable, type LocalStream, type RemoteStream } from './streams.js';
import type { ChannelEvent, ChannelEventName, ConnectionState, ConnectionStateChange, EngineOptions, PeerTable, Uid } from './types.js';
import type { EngineStats, Result } from '../worker/api.js';
import type { EventBatch } from '../worker/event-batcher.js';

export interface ChannelClient {
  readonly connectionState$: Observable<ConnectionState>;
  readonly connectionStateChange$: Observable<ConnectionStateChange>;
  readonly peers$: Observable<PeerTable>;
  readonly events$: Observable<ChannelEvent>;
  getConnectionState(): ConnectionState;
  join(token: string | null, channel: string, uid?: Uid | null): Promise<Uid>;
  leave(): Promise<void>;
  publish(): Promise<LocalStream>;
  unpublish(stream: LocalStream): Promise<void>;
  subscribe(uid: Uid, streamId: string): Promise<RemoteStream>;
  unsubscribe(stream: RemoteStream): Promise<void>;
  renewToken(token: string): Promise<void>;
  on<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): void;
  off<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): void;
  getStats(): Promise<EngineStats>;
  destroy(): Promise<void>;
  /** For demos and tests only: hooks into the engine's transport. Not part of the stable API. */
  readonly debug: {
    /** The worker's transport drops everything in both directions for `ms`. */
    simulateNetworkLoss(ms: number): Promise<void>;
    /** Behave as if the host fired `online` (retry now). */
    signalOnline(): Promise<void>;
  };
}

/** Picks where the engine runs for a `worker` option value. */
export type HostResolver = (worker: ReturnType<typeof resolveOptions>['worker']) => HostFactory;

export function createClientWith(resolveHost: HostResolver, options: ClientOptions): ChannelClient {
  const resolved = resolveOptions(options);
  return new Client(resolved.engine, resolveHost(resolved.worker));
}

class Client implements ChannelClient {
  private readonly hub = new EventHub();
  private readonly mirror = new PeerMirror();
  private readonly remote = new RemoteStreamRouter();
  private readonly guard = new CallGuard();
  private readonly state = new BehaviorSubject<ConnectionState>('DISCONNECTED');
  private readonly host: Promise<EngineHost>;
  private processedSeq = 0;
  private readonly seqWaiters: { seq: number; resolve(): void }[] = [];
  private destroying: Promise<void> | null = null;
  /** Marks a LocalStream closed, so send() on it throws at once instead of crossing to the worker. */
  private readonly closeLocal = new WeakMap<LocalStream, () => void>();
  private watchdog: WorkerWatchdog | null = null;
  /** The host once started, so send() skips a promise hop on its hot path. */
  private ready: EngineHost | null = null;

  readonly events$ = this.hub.events$;
  readonly peers$ = this.mirror.peers$;
  readonly connectionState$ = this.state.pipe(distinctUntilChanged());
  readonly connectionStateChange$ = this.hub.ofType('connection-state-change').pipe(map(({ type: _, ...change }) => change));
  readonly debug = {
    simulateNetworkLoss: (ms: number) => this.call('simulateNetworkLoss', (api) => api.simulateNetworkLoss(ms)).then(() => {}),
    signalOnline: () => this.call('signalOnline', (api) => api.signalOnline()).then(() => {}),
  };

  constructor(
    private readonly options: EngineOptions,
    hostFactory: HostFactory,
  ) {
    this.host = hostFactory(options, {
      onBatch: (batch) => this.applyBatch(batch),
      onFailure: (error) => this.handleHostFailure(error),
    });
    this.host.then(
      (host) => {
        this.ready = host;
        if (!host.isolated || this.destroying || this.guard.closedError) return;
        this.watchdog = new WorkerWatchdog(
          () => host.api.stats(),
          () => this.handleHostFailure(new ChannelLinkError('WORKER_FAILED', 'engine worker stopped answering')),
        );
      },
      (error: unknown) => this.handleHostFailure(ChannelLinkError.from(error, 'WORKER_FAILED')),
    );
  }

  getConnectionState(): ConnectionState {
    return this.state.value;
  }

  on<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): void {
    this.hub.on(name, handler);
  }

  off<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): void {
    this.hub.off(name, handler);
  }

  join(token: string | null, channel: string, uid: Uid | null = null): Promise<Uid> {
    return this.call('join', (api) => api.join(token, channel, uid), this.options.joinTimeoutMs + 5000);
  }

  leave(): Promise<void> {
    return this.call('leave', (api) => api.leave()).then(() => {});
  }

  async publish(): Promise<LocalStream> {
    const id = await this.call('publish', (api) => api.publish());
    let closed = false;
    const stream: LocalStream = {
      id,
      send: (data) => {
        if (closed) throw new ChannelLinkError('NOT_PUBLISHED', `stream ${id} was unpublished`);
        this.send(id, data);
      },
      close: () => this.unpublish(stream),
    };
    this.closeLocal.set(stream, () => (closed = true));
    return stream;
  }

  async unpublish(stream: LocalStream): Promise<void> {
    if (!stream || typeof stream.id !== 'string') throw new ChannelLinkError('INVALID_PARAMS', 'unpublish() needs a LocalStream');
    this.closeLocal.get(stream)?.();
    await this.call('unpublish', (api) => api.unpublish(stream.id));
  }

  async subscribe(uid: Uid, streamId: string): Promise<RemoteStream> {
    if (typeof streamId !== 'string') throw new ChannelLinkError('INVALID_PARAMS', 'subscribe() needs a stream id');
    const stream = this.remote.open(uid, streamId);
    try {
      await this.call('subscribe', (api) => api.subscribe(uid, streamId));
    } catch (error) {
      this.remote.close(uid, streamId);
      throw error;
    }
    return stream;
  }

  async unsubscribe(stream: RemoteStream): Promise<void> {
    if (!stream || typeof stream.id !== 'string') throw new ChannelLinkError('INVALID_PARAMS', 'unsubscribe() needs a RemoteStream');
    this.remote.close(stream.uid, stream.id);
    await this.call('unsubscribe', (api) => api.unsubscribe(stream.uid, stream.id));
  }

  renewToken(token: string): Promise<void> {
    return this.call('renewToken', (api) => api.renewToken(token)).then(() => {});
  }

  getStats(): Promise<EngineStats> {
    return this.call('stats', (api) => api.stats());
  }

  destroy(): Promise<void> {
    this.destroying ??= this.shutdown();
    return this.destroying;
  }

  // ---- internals ----

  private send(streamId: string, data: string | ArrayBuffer | Uint8Array): void {
    if (this.guard.closedError) throw this.guard.closedError;
    if (typeof data !== 'string' && !(data instanceof ArrayBuffer) && !(data instanceof Uint8Array)) {
      throw new ChannelLinkError('INVALID_PARAMS', 'send() takes a string, an ArrayBuffer or a Uint8Array');
    }
    const payload = typeof data === 'string' ? data : toTransferable(data);
    // Fire and forget: real-time data is not acknowledged; failures surface as `exception`.
    if (this.ready) this.ready.send(streamId, payload);
    else void this.host.then((host) => host.send(streamId, payload)).catch(() => {});
  }

  private async call<T>(what: string, run: (api: AsyncWorkerApi) => Promise<Result<T>>, timeoutMs = this.defaultTimeoutMs()): Promise<T> {
    const result = await this.guard.run(async () => run((await this.host).api), timeoutMs, what);
    await this.eventsUpTo(result.seq);
    if (!result.ok) throw ChannelLinkError.from(result.error);
    return result.value;
  }

  private defaultTimeoutMs(): number {
    return this.options.connectionTimeoutMs * 2 + 5000;
  }

  /** Replies can overtake event batches (different ports): wait until the events they follow are applied. */
  private eventsUpTo(seq: number): Promise<void> {
    if (seq <= this.processedSeq) return Promise.resolve();
    return new Promise((resolve) => this.seqWaiters.push({ seq, resolve }));
  }

  private applyBatch(batch: EventBatch): void {
    for (const item of batch.items) {
      if (item.kind === 'message') this.remote.deliver({ uid: item.uid, streamId: item.streamId, data: item.data });
      else this.applyEvent(item.event);
    }
    this.processedSeq = batch.seq;
    for (let i = this.seqWaiters.length - 1; i >= 0; i--) {
      const waiter = this.seqWaiters[i]!;
      if (waiter.seq <= batch.seq) {
        this.seqWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /** Mirrors first, then the app: a listener of an event already sees it in `peers$` and the state. */
  private applyEvent(event: ChannelEvent): void {
    if (event.type === 'connection-state-change') this.state.next(event.curState);
    this.mirror.apply(event);
    if (event.type === 'connection-state-change' && event.curState === 'DISCONNECTED') this.remote.closeAll();
    this.hub.emit(event);
  }

  private handleHostFailure(error: ChannelLinkError): void {
    if (this.guard.closedError) return;
    this.watchdog?.stop();
    this.guard.close('WORKER_FAILED', error.message);
    this.releaseSeqWaiters();
    this.hub.emit({ type: 'exception', code: 'WORKER_FAILED', message: error.message });
    const prevState = this.state.value;
    if (prevState !== 'DISCONNECTED') {
      this.applyEvent({ type: 'connection-state-change', curState: 'DISCONNECTED', prevState, reason: 'NETWORK_ERROR' });
    }
    void this.host.then((host) => host.terminate()).catch(() => {});
  }

  private releaseSeqWaiters(): void {
    for (const waiter of this.seqWaiters.splice(0)) waiter.resolve();
  }

  private async shutdown(): Promise<void> {
    this.watchdog?.stop();
    if (!this.guard.closedError) {
      try {
        await this.call('dispose', (api) => api.dispose(), this.options.connectionTimeoutMs + 5000);
      } catch {
        // The engine is going away regardless; what matters is that nothing is left running.
      }
      this.guard.close('CLOSED', 'client destroyed');
    }
    this.releaseSeqWaiters();
    await this.host.then((host) => host.terminate()).catch(() => {});
    this.remote.closeAll();
    this.state.complete();
    this.mirror.complete();
    this.hub.complete();
  }
}
