/**
 * The engine orchestrates a client's life in the channel: join/leave, publish/subscribe, and what
 * each link event means for the app (state changes, presence events, data). It owns no socket or
 * timer logic of its own beyond the join deadline: those live in Link, Heartbeat and Transport.
 */
import type { EngineOutput, EngineStats } from '../src/boundary.js';
import { ChannelLinkError } from '../src/errors.js';
import { outcomeOfKick, type Outcome } from '../src/outcomes.js';
import { PROTOCOL_VERSION, type JoinFrame, type JoinedFrame, type PresenceEntry, type ServerDataFrame } from '../src/protocol.js';
import type { Attributes, ChannelEvent, ChannelInfo, ClientRole, ConnectionChangeReason, ConnectionState, EngineOptions, QualityLevel, Uid } from '../src/types.js';
import { validateAttributes, validateChannelName, validateRole, validateToken, validateUid } from '../src/validation.js';
import { joinGaveUpError } from './attempt-failure.js';
import { ConnectionStateMachine } from './connection-state.js';
import { TimerGroup, type EngineEnv } from './env.js';
import { Link, type LinkFrame, type LossReason } from './link.js';
import { MAX_OUTBOX_BYTES, MAX_OUTBOX_MESSAGES } from '../src/limits.js';
import { LocalMedia } from './local-media.js';
import { Outbox, type OutboxBounds } from './outbox.js';
import { ChannelView } from './channel-view.js';
import { admitMessage, continueStreams } from './continuity.js';
import { PendingRequests } from './requests.js';
import { RoleState } from './role-state.js';
import type { ViewChange } from './presence.js';
import { QualityReporter } from './quality-reporter.js';

/** Until the server says its continuity window: its default (the default peer timeout). */
const DEFAULT_CONTINUITY_MS = 10_000;

/** leave() waits at most this long (and never longer than the connection timeout) for the server's ack. */
const LEAVE_ACK_MAX_WAIT_MS = 2000;
/** A request waits the connection timeout, plus this, for its ack before it rejects with TIMEOUT. */
const REQUEST_ACK_GRACE_MS = 1000;

interface Session {
  channel: string;
  uid: Uid | null;
  token: string | null;
  sessionId?: string;
}

interface JoinWaiter {
  resolve(uid: Uid): void;
  reject(error: ChannelLinkError): void;
}

export class Engine {
  private readonly machine: ConnectionStateMachine;
  private readonly view: ChannelView;
  private readonly media = new LocalMedia();
  private readonly role: RoleState;
  private readonly quality: QualityReporter;
  /** The local user's attributes: every join frame carries them. */
  private attributes: Attributes = {};
  /** The role the last join frame asked for. */
  private askedRole: ClientRole;
  /** The server's continuity window (its joined frame says it; until then, the default peer timeout). */
  private continuityMs = DEFAULT_CONTINUITY_MS;
  private readonly outboxBounds: OutboxBounds = { windowMs: () => this.continuityMs, maxBytes: MAX_OUTBOX_BYTES, maxMessages: MAX_OUTBOX_MESSAGES };
  private readonly requests: PendingRequests;
  private readonly link: Link;
  private readonly timers: TimerGroup;
  private readonly stopOnline: () => void;
  private session: Session | null = null;
  private everJoined = false;
  private joinWaiter: JoinWaiter | null = null;
  private leaving: Promise<void> | null = null;
  private disposed = false;

  constructor(
    private readonly env: EngineEnv,
    private readonly options: EngineOptions,
    private readonly output: (item: EngineOutput) => void,
  ) {
    this.timers = new TimerGroup(env.timers);
    this.requests = new PendingRequests(env.timers);
    this.role = new RoleState(options.role);
    this.view = new ChannelView(this.timers, (changes) => this.emitView(changes));
    this.askedRole = options.role;
    this.machine = new ConnectionStateMachine((change) => this.emit({ type: 'connection-state-change', ...change }));
    this.link = new Link(env, options, {
      onJoined: (frame) => this.handleJoined(frame),
      onFrame: (frame) => this.handleFrame(frame),
      onData: (frame) => this.handleData(frame),
      onLost: (reason) => this.handleLost(reason),
      onRejected: (outcome, message) => this.endWith(outcome, message),
      // A join gives up as a join does (TIMEOUT, naming the last failure); a reconnect as NETWORK_ERROR.
      onGiveUp: (budget) =>
        budget === 'join' ? this.joinGaveUp() : this.ensureDisconnected('NETWORK_ERROR', new ChannelLinkError('TIMEOUT', 'could not reach the server')),
      onAttemptFailed: ({ code, message, url }, attempt) => this.emit({ type: 'connection-attempt-failed', attempt, url, code, message }),
      onProtocolError: (error) => this.emit({ type: 'exception', code: error.code, message: error.message }),
    });
    this.quality = new QualityReporter(env.timers, () => this.link.downlinkScore, {
      emit: (quality) => this.emit({ type: 'network-quality', ...quality }),
      report: (down) => this.link.send({ type: 'quality', down }),
    });
    this.stopOnline = env.online.subscribe(() => this.link.retryNow());
  }

  get state(): ConnectionState {
    return this.machine.state;
  }

  join(token: unknown, channel: unknown, uid: unknown, options?: unknown): Promise<Uid> {
    try {
      return this.startJoin(token, channel, uid, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private startJoin(token: unknown, channel: unknown, uid: unknown, options: unknown): Promise<Uid> {
    this.assertAlive();
    const session: Session = { channel: validateChannelName(channel), uid: validateUid(uid), token: validateToken(token) };
    if (options != null && typeof options !== 'object') throw new ChannelLinkError('INVALID_PARAMS', 'join() options must be an object');
    const attributes = (options as { attributes?: unknown } | null | undefined)?.attributes;
    const own = attributes === undefined ? this.attributes : validateAttributes(attributes, 'join() attributes');
    if (this.machine.state !== 'DISCONNECTED') {
      throw new ChannelLinkError('INVALID_OPERATION', `join() needs state DISCONNECTED, it is ${this.machine.state}`);
    }
    this.attributes = own;
    this.session = session;
    this.everJoined = false;
    const joined = new Promise<Uid>((resolve, reject) => (this.joinWaiter = { resolve, reject }));
    this.machine.setState('CONNECTING', 'JOIN');
    this.link.start(() => this.buildJoinFrame());
    return joined;
  }

  leave(): Promise<void> {
    if (this.leaving) return this.leaving;
    const state = this.machine.state;
    if (state === 'DISCONNECTED') return Promise.resolve();
    if (state === 'CONNECTING') {
      this.toDisconnected('LEAVE', new ChannelLinkError('CLOSED', 'join cancelled by leave()'));
      return Promise.resolve();
    }
    this.machine.setState('DISCONNECTING', 'LEAVE');
    const timeoutMs = Math.min(this.options.connectionTimeoutMs, LEAVE_ACK_MAX_WAIT_MS);
    this.leaving = this.requests
      .create((id) => this.link.send({ type: 'leave', id }), timeoutMs)
      .catch(() => {
        // The server also learns of our absence from the timeouts; leave must not fail.
      })
      .then(() => {
        this.leaving = null;
        this.toDisconnected('LEAVE', new ChannelLinkError('CLOSED', 'left the channel'));
      });
    return this.leaving;
  }

  async publish(): Promise<string> {
    this.assertInChannel('publish');
    if (this.role.current !== 'host') throw new ChannelLinkError('INVALID_OPERATION', 'an audience member cannot publish: setClientRole("host") first');
    this.media.assertRoomToPublish();
    const streamId = this.newStreamId();
    this.media.published.set(streamId, new Outbox(streamId, this.newEpoch(), this.outboxBounds, () => this.newEpoch()));
    try {
      await this.requestOrDefer((id) => this.link.send({ type: 'publish', id, streamId }));
    } catch (error) {
      this.media.published.delete(streamId);
      throw error;
    }
    return streamId;
  }

  async unpublish(streamId: string): Promise<void> {
    if (!this.media.published.delete(streamId)) throw new ChannelLinkError('NOT_PUBLISHED', `stream ${streamId} is not published`);
    if (!this.link.isJoined) return;
    await this.requestOrDefer((id) => this.link.send({ type: 'unpublish', id, streamId })).catch(() => {
      // Already gone on the server (e.g. timed out): the outcome the caller wanted.
    });
  }

  send(streamId: string, data: string | Uint8Array): boolean {
    const outbox = this.media.published.get(streamId);
    if (!outbox) throw new ChannelLinkError('NOT_PUBLISHED', `stream ${streamId} is not published`);
    // Kept in the outbox, so what an outage swallows (or what is sent during it) goes out on resume.
    return this.link.sendBinary(outbox.take(data, this.env.clock.now()));
  }

  async subscribe(uid: Uid, streamId: string): Promise<void> {
    this.assertInChannel('subscribe');
    if (validateUid(uid) === null) throw new ChannelLinkError('INVALID_PARAMS', 'subscribe() needs the uid of a peer');
    // Idempotent: the subscription is kept (and restored) across the stream's remove/add cycles.
    if (this.media.isSubscribed(uid, streamId)) return;
    if (!this.view.hasStream(uid, streamId)) {
      throw new ChannelLinkError('NOT_PUBLISHED', `peer ${String(uid)} does not publish stream ${String(streamId)}`);
    }
    this.media.assertRoomToSubscribe(uid, streamId);
    this.media.subscribe(uid, streamId);
    try {
      await this.requestOrDefer((id) => this.link.send({ type: 'subscribe', id, uid, streamId }));
    } catch (error) {
      this.media.unsubscribe(uid, streamId);
      throw error;
    }
  }

  async unsubscribe(uid: Uid, streamId: string): Promise<void> {
    if (!this.media.unsubscribe(uid, streamId) || !this.link.isJoined) return;
    await this.requestOrDefer((id) => this.link.send({ type: 'unsubscribe', id, uid, streamId })).catch(() => {});
  }

  async renewToken(token: unknown): Promise<void> {
    const valid = validateToken(token);
    if (valid === null) throw new ChannelLinkError('INVALID_PARAMS', 'renewToken() needs a token');
    this.assertInChannel('renewToken');
    this.session!.token = valid;
    await this.requestOrDefer((id) => this.link.send({ type: 'renew-token', id, token: valid }));
  }

  /**
   * Becomes a host or an audience member. Out of a channel the role is the next join's; joined,
   * the server applies it (resolving on its ack); while connecting, the rejoin applies it.
   */
  async setRole(role: unknown): Promise<void> {
    const next = validateRole(role);
    this.assertAlive();
    const state = this.machine.state;
    if (state === 'DISCONNECTING') throw new ChannelLinkError('INVALID_OPERATION', 'setClientRole() while leaving the channel');
    if (state === 'DISCONNECTED') {
      if (this.role.confirm(next)) this.emit({ type: 'client-role-changed', role: next });
      return;
    }
    if (!this.link.isJoined) return this.role.awaitJoin(next);
    if (next === this.role.current && next === this.role.wanted) return;
    return this.requestRole(next);
  }

  /** Asks the server for `role`; its ack applies it. */
  private async requestRole(role: ClientRole): Promise<void> {
    this.role.want(role);
    try {
      await this.requests.create((id) => this.link.send({ type: 'set-role', id, role }), this.options.connectionTimeoutMs + REQUEST_ACK_GRACE_MS);
    } catch (error) {
      // The link dropped on the way: the rejoin asks for the role, and its answer settles this.
      if (error instanceof ChannelLinkError && error.code === 'NETWORK_ERROR' && this.session) return this.role.awaitJoin(role);
      this.role.withdraw(ChannelLinkError.from(error));
      throw error;
    }
    this.applyRole(role);
  }

  /**
   * Replaces the local user's attributes. Joined, the server stores and shares them (resolving on
   * its ack); otherwise the next join frame carries them. A refusal puts the old ones back.
   */
  async setAttributes(attributes: unknown): Promise<void> {
    const next = validateAttributes(attributes);
    this.assertAlive();
    if (this.machine.state === 'DISCONNECTING') throw new ChannelLinkError('INVALID_OPERATION', 'setAttributes() while leaving the channel');
    const previous = this.attributes;
    this.attributes = next;
    try {
      await this.requestOrDefer((id) => this.link.send({ type: 'set-attributes', id, attributes: next }));
    } catch (error) {
      if (this.attributes === next) this.attributes = previous;
      throw error;
    }
  }

  stats(): EngineStats {
    return { state: this.machine.state, uid: this.session?.uid ?? null, peers: this.view.size, ...this.link.stats };
  }

  /**
   * Debug hook (demos, tests): for `ms` the open link drops everything both ways and new
   * connections fail; then the network is back, which hosts signal as `online`: retry at once.
   */
  simulateNetworkLoss(ms: number): void {
    this.link.setNetworkLoss(true);
    this.timers.set(() => {
      this.link.setNetworkLoss(false);
      this.link.retryNow();
    }, ms);
  }

  /** Debug hook (demos, tests): from now on every frame, either way, is held `ms` (0: none). */
  simulateLatency(ms: number): void {
    // Not a number of ms above 0 (NaN, negative): no latency.
    this.link.setLatency(ms);
  }

  /** Debug hook (demos, tests): behave as if the host fired `online`. */
  signalOnline(): void {
    this.link.retryNow();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.leave();
    this.disposed = true;
    this.stopOnline();
    this.link.stop();
    this.quality.stop();
    this.timers.clearAll();
    this.requests.rejectAll('CLOSED', 'client destroyed');
  }

  // ---- link events ----

  private handleJoined(frame: JoinedFrame): void {
    if (!this.session) return;
    this.session.uid = frame.uid;
    this.session.sessionId = frame.sessionId;
    const rejoin = this.everJoined;
    this.machine.setState('CONNECTED', rejoin ? 'RECONNECTED' : 'JOINED');
    this.everJoined = true;
    if (frame.continuityMs !== undefined) this.continuityMs = frame.continuityMs;
    this.applyRole(frame.role, this.askedRole);
    this.emitInfo(frame.channel);
    const continuity = continueStreams(this.media, frame, rejoin, this.env.clock.now());
    this.emit({ type: 'connected', resumed: frame.resumed, recovered: continuity.gaps.length === 0 && continuity.vouched });
    this.quality.joined();
    this.emitView(this.view.snapshot(frame.peers, frame.holdMs));
    this.emitAll(continuity.gaps);
    for (const bytes of continuity.resend) this.link.sendBinary(bytes);
    const waiter = this.joinWaiter;
    this.joinWaiter = null;
    waiter?.resolve(frame.uid);
  }

  private handleFrame(frame: LinkFrame): void {
    switch (frame.type) {
      case 'ack':
        return this.requests.settle(frame.id);
      case 'error':
        if (frame.id !== undefined) return this.requests.settle(frame.id, new ChannelLinkError(frame.code, frame.message));
        return this.emit({ type: 'exception', code: frame.code, message: frame.message });
      case 'presence':
        for (const entry of frame.events) this.applyPresence(entry);
        return;
      case 'channel-info':
        return this.emitInfo(frame);
      case 'uplink':
        return this.quality.setUplink(frame.quality as QualityLevel);
      case 'token-will-expire':
        return this.emit({ type: 'token-privilege-will-expire' });
      case 'kicked':
        return this.endWith(outcomeOfKick(frame.reason), frame.message);
      case 'server-closing':
        // The server is going away (restart, drain): move to the next server now and resume there.
        return this.link.serverClosing();
      case 'snapshot':
        if (frame.channel) this.emitInfo(frame.channel);
        return this.emitView(this.view.snapshot(frame.peers, frame.holdMs));
    }
  }

  /** One change of the channel's hosts, told as the app's events (duplicates dropped by the view). */
  private applyPresence(entry: PresenceEntry): void {
    this.emitView(this.view.apply(entry));
    // A stream we subscribed to came back (its publisher rejoined): restore the subscription.
    if (entry.type === 'stream-added' && this.media.isSubscribed(entry.uid, entry.streamId)) this.resubscribe(entry.uid, entry.streamId);
  }

  /** With the last position: the server replays what the stream's absence made us miss. */
  private resubscribe(uid: Uid, streamId: string): void {
    const at = this.media.subscription(uid, streamId)?.at;
    this.requestOrDefer((id) => this.link.send({ type: 'subscribe', id, uid, streamId, ...(at ? { at } : {}) })).catch((error: ChannelLinkError) =>
      this.emit({ type: 'exception', code: error.code, message: error.message }),
    );
  }

  /** The role the server applied: an audience member publishes nothing, and the app hears of a change. */
  private applyRole(role: ClientRole, asked?: ClientRole): void {
    const changed = this.role.confirm(role, asked);
    if (changed && role === 'audience') this.media.published.clear();
    if (changed) this.emit({ type: 'client-role-changed', role });
    // A setClientRole() made after that join frame left: ask for its role now.
    if (this.role.wanted !== role) this.requestRole(this.role.wanted).catch(() => {});
  }

  private emitInfo(info: ChannelInfo): void {
    this.output({ kind: 'channel-info', info: { hosts: info.hosts, audience: info.audience } });
  }

  private handleData(frame: ServerDataFrame): void {
    const sub = this.media.subscription(frame.uid, frame.streamId);
    if (!sub) return;
    const admitted = admitMessage(sub, frame);
    if (!admitted) return;
    if (admitted.gap) this.emit(admitted.gap);
    // Copy out of the socket's buffer into an ArrayBuffer of our own, which is then transferred.
    const data = typeof frame.data === 'string' ? frame.data : frame.data.slice().buffer;
    this.output({ kind: 'message', uid: frame.uid, streamId: frame.streamId, data });
  }

  private handleLost(reason: LossReason): void {
    this.quality.stop();
    this.requests.rejectAll('NETWORK_ERROR', 'link lost');
    if (this.machine.state === 'CONNECTED') this.machine.setState('CONNECTING', reason);
  }

  /** The server's outcome ends our stay for good (outcomes.ts): a refused join, or a kick once joined. */
  private endWith(outcome: Outcome, message: string): void {
    if (this.machine.state === 'DISCONNECTED') return;
    if (outcome.didExpire) this.emit({ type: 'token-privilege-did-expire' });
    this.toDisconnected(outcome.reason, new ChannelLinkError(outcome.code, message));
  }

  // ---- helpers ----

  /** joinTimeoutMs passed: TIMEOUT for both the error and the state-change reason; the error names the last failure. */
  private joinGaveUp(): void {
    const last = this.link.lastFailure;
    this.ensureDisconnected('TIMEOUT', joinGaveUpError(last, this.link.failedAttempts, this.options.joinTimeoutMs, last?.url ?? this.link.currentUrl));
  }

  /** Goes DISCONNECTED for `reason` unless already there (a late timer or give-up is then moot). */
  private ensureDisconnected(reason: ConnectionChangeReason, error: ChannelLinkError): void {
    if (this.machine.state === 'DISCONNECTED') return;
    this.toDisconnected(reason, error);
  }

  private toDisconnected(reason: ConnectionChangeReason, error: ChannelLinkError): void {
    this.link.stop();
    this.requests.rejectAll(error.code === 'TIMEOUT' ? 'CLOSED' : error.code, error.message);
    this.role.rejectAll(error.code === 'TIMEOUT' ? 'CLOSED' : error.code, error.message);
    const waiter = this.joinWaiter;
    this.joinWaiter = null;
    this.session = null;
    this.everJoined = false;
    this.view.clear();
    this.media.clear();
    this.quality.stop();
    this.machine.setState('DISCONNECTED', reason);
    waiter?.reject(error);
  }

  /** Sends now if joined; otherwise (or if the link drops meanwhile) the next join frame carries it. */
  private async requestOrDefer(send: (id: number) => boolean): Promise<void> {
    if (!this.link.isJoined) return;
    try {
      await this.requests.create(send, this.options.connectionTimeoutMs + REQUEST_ACK_GRACE_MS);
    } catch (error) {
      if (error instanceof ChannelLinkError && error.code === 'NETWORK_ERROR' && this.session) return;
      throw error;
    }
  }

  private buildJoinFrame(): JoinFrame {
    const session = this.session!;
    this.askedRole = this.role.wanted;
    const frame: JoinFrame = {
      type: 'join',
      v: PROTOCOL_VERSION,
      appId: this.options.appId,
      channel: session.channel,
      uid: session.uid,
      token: session.token,
      role: this.role.wanted,
      streams: this.role.wanted === 'host' ? [...this.media.published.keys()] : [],
      subscriptions: this.media.subscriptions,
      attributes: this.attributes,
      heartbeatMs: this.options.heartbeatIntervalMs,
    };
    if (session.sessionId) frame.sessionId = session.sessionId;
    return frame;
  }

  private assertInChannel(operation: string): void {
    this.assertAlive();
    const state = this.machine.state;
    if (!this.session || state === 'DISCONNECTED' || state === 'DISCONNECTING' || !this.everJoined) {
      throw new ChannelLinkError('INVALID_OPERATION', `${operation}() needs a joined channel (state ${state})`);
    }
  }

  private assertAlive(): void {
    if (this.disposed) throw new ChannelLinkError('CLOSED', 'client destroyed');
  }

  /** A stream's epoch: a random 32-bit number, so two numberings of one stream id never mix. */
  private newEpoch(): number {
    return Math.floor(this.env.random() * 2 ** 32) >>> 0;
  }

  private newStreamId(): string {
    const part = () => Math.floor(this.env.random() * 2 ** 32).toString(36);
    return `s${part()}${part()}`;
  }

  private emit(event: ChannelEvent): void {
    this.output({ kind: 'event', event });
  }

  private emitAll(events: ChannelEvent[]): void {
    for (const event of events) this.emit(event);
  }

  /** The view's changes: app events, and peers' quality for the main thread's table. */
  private emitView(changes: ViewChange[]): void {
    for (const change of changes) {
      if (change.type === 'peer-quality') this.output({ kind: 'peer-quality', uid: change.uid, quality: change.quality });
      else this.emit(change);
    }
  }
}
