/**
 * The main-thread client: RxJS observables and Agora-style listeners over an engine that runs in
 * a worker. It holds only mirrors (state, peers) rebuilt from the engine's event batches.
 */
import { BehaviorSubject, distinctUntilChanged, map, type Observable } from 'rxjs';
import type { EngineOutput, EngineStats } from './boundary.js';
import { EngineBridge } from './engine-bridge.js';
import type { HostFactory } from './engine-host.js';
import { ChannelLinkError } from './errors.js';
import { EventHub, type ChannelEventHandler } from './event-hub.js';
import { resolveOptions, type ClientOptions } from './options.js';
import type { PageLifecycle } from './page-leave.js';
import { PeerMirror } from './peer-mirror.js';
import { RemoteStreamRouter, toTransferable, type LocalStream, type RemoteStream } from './streams.js';
import { validateRole } from './option-rules.js';
import type {
  Attributes,
  ChannelEvent,
  ChannelEventName,
  ChannelEventOf,
  ChannelInfo,
  ClientRole,
  ConnectionState,
  ConnectionStateChange,
  EngineOptions,
  NetworkQuality,
  PeerTable,
  Uid,
} from './types.js';

/** The fourth argument of join(). */
export interface JoinOptions {
  /** The local user's attributes, shown to the channel (string keys and values, at most 32 keys, 4 KiB as JSON). */
  attributes?: Attributes;
}

interface JoinArgs {
  token: string | null;
  channel: string;
  uid: Uid | null;
}

/** A client of one channel at a time: connection state, peers and streams, as observables and listeners. */
export interface ChannelClient {
  /** The connection state: the current value on subscribe, then each change. */
  readonly connectionState$: Observable<ConnectionState>;
  /** Each change of the connection state, as `{ curState, prevState, reason }`. */
  readonly connectionStateChange$: Observable<ConnectionStateChange>;
  /** The peers in the channel and the streams each publishes: the current table on subscribe, then each change. */
  readonly peers$: Observable<PeerTable>;
  /** Every event of the event map, as `{ type, ...payload }`. */
  readonly events$: Observable<ChannelEvent>;
  /** The channel's members by role, the local user included: the current value on subscribe, then each change (at most one a second). */
  readonly channelInfo$: Observable<ChannelInfo>;
  /** 'host' or 'audience', synchronously. */
  getClientRole(): ClientRole;
  /** Becomes a host (peers see `peer-online`) or an audience member (streams unpublished, peers see `peer-leave` BECOME_AUDIENCE); before or while joined; resolves once the server applied it. */
  setClientRole(role: ClientRole): Promise<void>;
  /** The connection state, synchronously. */
  getConnectionState(): ConnectionState;
  /** Joins `channel` as `uid` (0/null: the server assigns one); resolves to the uid once CONNECTED, with `peers$` filled; keeps trying for `joinTimeoutMs`, then rejects with TIMEOUT naming the last failure. */
  join(token: string | null, channel: string, uid?: Uid | null, options?: JoinOptions): Promise<Uid>;
  /** Replaces the local user's attributes (peers see `peer-attributes-changed`); before joining, the next join carries them. A bad set rejects with INVALID_PARAMS and changes nothing. */
  setAttributes(attributes: Attributes): Promise<void>;
  /** The local user's attributes, synchronously. */
  getAttributes(): Attributes;
  /** The local user's link quality: 0s before the first measurement and out of a channel, 6s (down) while reconnecting. */
  getNetworkQuality(): NetworkQuality;
  /** The link quality of each host in `peers$`, as it last shared it. */
  getRemoteNetworkQuality(): ReadonlyMap<Uid, NetworkQuality>;
  /** Leaves the channel: peers see `peer-leave` QUIT at once. Resolves once DISCONNECTED. */
  leave(): Promise<void>;
  /** Publishes a new stream; peers see `stream-added`. */
  publish(): Promise<LocalStream>;
  /** Stops publishing the stream; peers see `stream-removed` UNPUBLISHED. */
  unpublish(stream: LocalStream): Promise<void>;
  /**
   * Subscribes to a peer's stream: its messages arrive on the returned `messages$`. Idempotent:
   * while subscribed, the same RemoteStream. After the stream came back (removed, added again), the
   * next listener of its `messages$` takes over and the earlier ones complete: subscribing and
   * listening in every `stream-added` gets each message once, until unsubscribe(), leave() or destroy().
   */
  subscribe(uid: Uid, streamId: string): Promise<RemoteStream>;
  /** Ends a subscription and completes its `messages$`. */
  unsubscribe(stream: RemoteStream): Promise<void>;
  /** Replaces the token (after `token-privilege-will-expire`). */
  renewToken(token: string): Promise<void>;
  /** Adds a listener for one event (same names and payloads as `events$`); returns the function that removes it. An unknown name throws INVALID_PARAMS. */
  on<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): () => void;
  /** Removes a listener added with `on()`. */
  off<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): void;
  /** The events of one name, typed to that event's payload (with its `type`). An unknown name throws INVALID_PARAMS. */
  event$<K extends ChannelEventName>(name: K): Observable<ChannelEventOf<K>>;
  /** State, uid, peer count, heartbeat round-trip time, reconnects and buffered bytes. */
  getStats(): Promise<EngineStats>;
  /** Leaves if needed, ends the worker and completes every observable; every later call rejects with CLOSED. */
  destroy(): Promise<void>;
  /** For demos and tests only: hooks into the engine's transport. Not part of the stable API. */
  readonly debug: {
    /** For `ms` the open link drops everything both ways and new connections fail; then the engine retries at once. */
    simulateNetworkLoss(ms: number): Promise<void>;
    /** Behave as if the host fired `online` (retry now). */
    signalOnline(): Promise<void>;
    /** From now on every frame, either way, is held `ms` by the engine's transport (a slow link); 0 ends it. */
    simulateLatency(ms: number): Promise<void>;
  };
}

const UNKNOWN_QUALITY: NetworkQuality = Object.freeze({ uplinkNetworkQuality: 0, downlinkNetworkQuality: 0 });
const DOWN_QUALITY: NetworkQuality = Object.freeze({ uplinkNetworkQuality: 6, downlinkNetworkQuality: 6 });

const NO_MEMBERS: ChannelInfo = Object.freeze({ hosts: 0, audience: 0 });


/** Picks where the engine runs for a `worker` option value. */
export type HostResolver = (worker: ReturnType<typeof resolveOptions>['worker']) => HostFactory;

/** `page`: the page lifecycle to leave on (browsers); null where there is no page. */
export function createClientWith(resolveHost: HostResolver, options: ClientOptions, page: PageLifecycle | null = null): ChannelClient {
  const resolved = resolveOptions(options);
  return new Client(resolved.engine, resolveHost(resolved.worker), resolved.leaveOnPageHide ? page : null);
}

class Client implements ChannelClient {
  private readonly hub = new EventHub();
  private readonly mirror = new PeerMirror();
  private readonly remote = new RemoteStreamRouter();
  private readonly state = new BehaviorSubject<ConnectionState>('DISCONNECTED');
  private readonly info = new BehaviorSubject<ChannelInfo>(NO_MEMBERS);
  private role: ClientRole;
  private attributes: Attributes = Object.freeze({});
  private quality: NetworkQuality = UNKNOWN_QUALITY;
  private readonly engine: EngineBridge;
  private destroying: Promise<void> | null = null;
  /**
   * Marks a LocalStream closed with the reason send() then throws, at once instead of crossing to
   * the worker: unpublished, or gone with the channel (leave(), a kick, a give-up).
   */
  private readonly closeLocal = new Map<LocalStream, (why: string) => void>();
  /** The last join() made from DISCONNECTED, with the uid it got and the current token: what a page restore rejoins. */
  private lastJoin: JoinArgs | null = null;
  /** Set by a pagehide that left; joined again once the page is restored and the leave is done. */
  private toRejoin: JoinArgs | null = null;
  private restored = false;
  private readonly stopPage: (() => void) | undefined;

  readonly events$ = this.hub.events$;
  readonly peers$ = this.mirror.peers$;
  readonly channelInfo$ = this.info.pipe(distinctUntilChanged((a, b) => a.hosts === b.hosts && a.audience === b.audience));
  // No duplicates to drop: every state change event moves to a different state (the engine's machine ignores no-op moves).
  readonly connectionState$ = this.state.asObservable();
  readonly connectionStateChange$ = this.hub.ofType('connection-state-change').pipe(map(({ type: _, ...change }) => change));
  readonly debug = {
    simulateNetworkLoss: (ms: number) => this.engine.call('simulateNetworkLoss', (api) => api.simulateNetworkLoss(ms)).then(() => {}),
    signalOnline: () => this.engine.call('signalOnline', (api) => api.signalOnline()).then(() => {}),
    simulateLatency: (ms: number) => this.engine.call('simulateLatency', (api) => api.simulateLatency(ms)).then(() => {}),
  };

  constructor(options: EngineOptions, hostFactory: HostFactory, page: PageLifecycle | null) {
    this.role = options.role;
    this.engine = new EngineBridge(options, hostFactory, {
      onBatch: (items) => this.applyBatch(items),
      onFailure: (error) => this.handleEngineFailure(error),
    });
    this.stopPage = page?.(
      () => this.onPageHide(),
      (persisted) => this.onPageShow(persisted),
    );
  }

  getConnectionState(): ConnectionState {
    return this.state.value;
  }

  getClientRole(): ClientRole {
    return this.role;
  }

  async setClientRole(role: ClientRole): Promise<void> {
    const next = validateRole(role);
    await this.engine.call('setRole', (api) => api.setRole(next));
  }

  on<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): () => void {
    return this.hub.on(name, handler);
  }

  off<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): void {
    this.hub.off(name, handler);
  }

  event$<K extends ChannelEventName>(name: K): Observable<ChannelEventOf<K>> {
    return this.hub.ofType(name);
  }

  join(token: string | null, channel: string, uid: Uid | null = null, options?: JoinOptions): Promise<Uid> {
    // The engine checks the options (before anything is sent) and keeps the attributes for the
    // channel's life, whatever the join's outcome: so does the copy here, unless the call was refused.
    const attributes = options?.attributes && Object.freeze({ ...options.attributes });
    const joined = this.engine.call('join', (api) => api.join(token, channel, uid, options), 'join');
    if (attributes) {
      const keep = () => (this.attributes = attributes);
      joined.then(keep, (error: ChannelLinkError) => error.code !== 'INVALID_PARAMS' && error.code !== 'INVALID_OPERATION' && keep());
    }
    if (this.state.value === 'DISCONNECTED') {
      const args: JoinArgs = (this.lastJoin = { token, channel, uid });
      joined.then((assigned) => (args.uid = assigned), () => {});
    }
    return joined;
  }

  async setAttributes(attributes: Attributes): Promise<void> {
    // Checked by the engine before anything is sent: a refusal leaves everything as it was.
    await this.engine.call('setAttributes', (api) => api.setAttributes(attributes));
    this.attributes = Object.freeze({ ...attributes });
  }

  getAttributes(): Attributes {
    return this.attributes;
  }

  getNetworkQuality(): NetworkQuality {
    return this.quality;
  }

  getRemoteNetworkQuality(): ReadonlyMap<Uid, NetworkQuality> {
    const table = new Map<Uid, NetworkQuality>();
    for (const [uid, peer] of this.mirror.current) table.set(uid, peer.networkQuality);
    return table;
  }

  leave(): Promise<void> {
    return this.engine.call('leave', (api) => api.leave()).then(() => {});
  }

  async publish(): Promise<LocalStream> {
    const id = await this.engine.call('publish', (api) => api.publish());
    let closed: string | null = null;
    const stream: LocalStream = {
      id,
      send: (data) => {
        if (this.engine.closedError) throw this.engine.closedError;
        if (closed !== null) throw new ChannelLinkError('NOT_PUBLISHED', `stream ${id} is not published: ${closed}`);
        this.send(id, data);
      },
      close: () => this.unpublish(stream),
    };
    this.closeLocal.set(stream, (why) => (closed = why));
    return stream;
  }

  async unpublish(stream: LocalStream): Promise<void> {
    if (!stream || typeof stream.id !== 'string') throw new ChannelLinkError('INVALID_PARAMS', 'unpublish() needs a LocalStream');
    this.closeLocal.get(stream)?.('it was unpublished');
    this.closeLocal.delete(stream);
    await this.engine.call('unpublish', (api) => api.unpublish(stream.id));
  }

  async subscribe(uid: Uid, streamId: string): Promise<RemoteStream> {
    if (typeof streamId !== 'string') throw new ChannelLinkError('INVALID_PARAMS', 'subscribe() needs a stream id');
    return this.remote.subscribe(uid, streamId, () => this.engine.call('subscribe', (api) => api.subscribe(uid, streamId)));
  }

  async unsubscribe(stream: RemoteStream): Promise<void> {
    if (!stream || typeof stream.id !== 'string') throw new ChannelLinkError('INVALID_PARAMS', 'unsubscribe() needs a RemoteStream');
    // An ended RemoteStream must not end a newer subscription to the same stream.
    if (!this.remote.close(stream)) return;
    await this.engine.call('unsubscribe', (api) => api.unsubscribe(stream.uid, stream.id));
  }

  async renewToken(token: string): Promise<void> {
    await this.engine.call('renewToken', (api) => api.renewToken(token));
    if (this.lastJoin) this.lastJoin.token = token;
  }

  getStats(): Promise<EngineStats> {
    return this.engine.call('stats', (api) => api.stats());
  }

  destroy(): Promise<void> {
    this.stopPage?.();
    this.destroying ??= this.shutdown();
    return this.destroying;
  }

  // ---- internals ----

  private send(streamId: string, data: string | ArrayBuffer | Uint8Array): void {
    if (this.engine.closedError) throw this.engine.closedError;
    if (typeof data !== 'string' && !(data instanceof ArrayBuffer) && !(data instanceof Uint8Array)) {
      throw new ChannelLinkError('INVALID_PARAMS', 'send() takes a string, an ArrayBuffer or a Uint8Array');
    }
    this.engine.send(streamId, typeof data === 'string' ? data : toTransferable(data));
  }

  /**
   * One batch of engine output. The peer table takes every presence change of the batch first,
   * as one `peers$` emission; then each item goes out in order, so a listener of any of these
   * events already sees the table the batch leads to, and the state it brings.
   */
  private applyBatch(items: readonly EngineOutput[]): void {
    for (const item of items) this.mirror.stage(item);
    this.mirror.flush();
    for (const item of items) {
      if (item.kind === 'message') this.remote.deliver({ uid: item.uid, streamId: item.streamId, data: item.data });
      else if (item.kind === 'channel-info') this.info.next(item.info);
      else if (item.kind === 'event') this.applyEvent(item.event);
    }
  }

  private applyEvent(event: ChannelEvent): void {
    if (event.type === 'connection-state-change') {
      this.state.next(event.curState);
      if (event.curState === 'DISCONNECTED') this.quality = UNKNOWN_QUALITY;
      else if (event.curState === 'CONNECTING' && event.prevState === 'CONNECTED') this.quality = DOWN_QUALITY;
    }
    if (event.type === 'network-quality') this.quality = Object.freeze({ uplinkNetworkQuality: event.uplinkNetworkQuality, downlinkNetworkQuality: event.downlinkNetworkQuality });
    if (event.type === 'client-role-changed') {
      this.role = event.role;
      if (event.role === 'audience') this.closeAllLocal('the client became an audience member');
    }
    if (event.type === 'connection-state-change' && event.curState === 'DISCONNECTED') {
      // The engine forgets every stream with the channel: so do the handles the app holds.
      this.remote.closeAll();
      this.closeAllLocal(`the client left the channel (${event.reason})`);
      this.info.next(NO_MEMBERS);
    }
    // Before the app's listeners: a subscribe() in `stream-added` must see the comeback.
    this.remote.note(event);
    this.hub.emit(event);
    this.rejoinIfRestored();
  }

  /** A dead engine is never silence: the app hears `exception`, and DISCONNECTED if it was not already. */
  private handleEngineFailure(error: ChannelLinkError): void {
    this.hub.emit({ type: 'exception', code: 'WORKER_FAILED', message: error.message });
    const prevState = this.state.value;
    if (prevState !== 'DISCONNECTED') {
      this.applyBatch([{ kind: 'event', event: { type: 'connection-state-change', curState: 'DISCONNECTED', prevState, reason: 'NETWORK_ERROR' } }]);
    }
  }

  /** leaveOnPageHide: a page going away leaves (the engine sends the frame at once) if it is in a channel. */
  private onPageHide(): void {
    const state = this.state.value;
    // DISCONNECTING is the app's own leave(): nothing to do, and nothing to rejoin.
    if ((state !== 'CONNECTED' && state !== 'CONNECTING') || !this.lastJoin) return;
    this.toRejoin = { ...this.lastJoin };
    this.engine.signal({ signal: 'leave' });
  }

  /** Restored from the back/forward cache (`persisted`): join again; any other show: forget it. */
  private onPageShow(persisted: boolean): void {
    this.restored = persisted && this.toRejoin !== null;
    if (!this.restored) this.toRejoin = null;
    this.rejoinIfRestored();
  }

  /** Joins again after a restore, once the page-hide leave is done (DISCONNECTED). */
  private rejoinIfRestored(): void {
    const args = this.toRejoin;
    if (!this.restored || !args || this.state.value !== 'DISCONNECTED' || this.destroying) return;
    this.toRejoin = null;
    this.restored = false;
    this.join(args.token, args.channel, args.uid).catch((error: unknown) => {
      const { code, message } = ChannelLinkError.from(error);
      this.hub.emit({ type: 'exception', code, message: `rejoin after a page restore failed: ${message}` });
    });
  }

  private closeAllLocal(why: string): void {
    for (const close of this.closeLocal.values()) close(why);
    this.closeLocal.clear();
  }

  private async shutdown(): Promise<void> {
    await this.engine.close();
    this.remote.closeAll();
    this.state.complete();
    this.info.complete();
    this.mirror.complete();
    this.hub.complete();
  }
}
