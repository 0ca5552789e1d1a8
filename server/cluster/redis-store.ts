/**
 * ChannelStore on Redis: every node on the same Redis (and prefix) is one cluster. Membership
 * changes are Lua scripts (redis-scripts/*.lua); events and cross-node data travel on pub/sub; a
 * node's liveness is one heartbeat per `nodeTtlMs / 3` (node-liveness.ts). Idle members cost no
 * command: their liveness stays on their node.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { decodePresenceEntry } from '../../src/protocol.js';
import type { Uid } from '../../src/types.js';
import type { ClientRole, PeerLeaveReason } from '../../src/wire-words.js';
import { Throttle } from '../throttle.js';
import {
  DEFAULT_BUFFER_BOUNDS,
  StoreUnavailableError,
  type Attributes,
  type QualityPair,
  type BufferBounds,
  type StoreEventFrame,
  type ChannelKey,
  type ChannelCounts,
  type ChannelStore,
  type ChannelSummary,
  type CountsAt,
  type MemberPage,
  type JoinRequest,
  type JoinResult,
  type MemberRef,
  type MemberSnapshot,
  type PublishResult,
  type RoleLimits,
  type SetRoleResult,
  type StoreHealth,
  type StoreListener,
} from '../store.js';
import { NodeLiveness } from './node-liveness.js';
import { memberOf, ukOf } from './redis-codec.js';
import { RedisAdmin } from './redis-admin.js';
import { RedisWebhookDelivery } from './redis-webhooks.js';
import type { WebhookDeliveryOptions, WebhookSink } from '../webhook-delivery.js';
import { RedisKeys } from './redis-keys.js';
import { RedisMessageLog } from './redis-message-log.js';
import * as scripts from './redis-scripts/index.js';
import { ScriptRunner } from './redis-scripts/runner.js';

export interface RedisStoreOptions {
  url: string;
  /** Prefix of every key and pub/sub channel (several clusters can share one Redis). Default 'cl:'. */
  prefix?: string;
  /** A node silent this long is dead and its members are adopted by a survivor. Default 3000. */
  nodeTtlMs?: number;
  /** How much of each stream is kept for resumes. */
  buffer?: BufferBounds;
  log: Logger;
}

const EVENT = 0x45; // 'E'
const DATA = 0x44; // 'D'
const WATCH = 0x57; // 'W': a node now listens to the channel
const COUNTS = 0x43; // 'C': the counts a node's change left, as "seq|hosts|audience|origin"
/** A node tells the others of the counts its changes left at most this often per channel. */
const COUNTS_INTERVAL_MS = 1_000;
const CONNECT_TIMEOUT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 3_000;

export class RedisChannelStore implements ChannelStore {
  readonly durable = true;
  readonly messages: RedisMessageLog;
  private readonly keys: RedisKeys;
  private readonly log: Logger;
  private readonly cmd: Redis;
  private readonly scripts: ScriptRunner;
  private readonly sub: Redis;
  private readonly liveness: NodeLiveness;
  private readonly bounds: BufferBounds;
  private node = '';
  private listener: StoreListener | null = null;
  private readonly watched = new Map<ChannelKey, Promise<void>>();
  /** Channels whose data no other node listens to (learnt from PUBLISH's receiver count). */
  private readonly lonely = new Set<ChannelKey>();
  /** Per channel: the newest counts this node's own changes left, told to the other nodes at most once a second. */
  private readonly countsOut = new Map<ChannelKey, { counts: CountsAt; told: CountsAt | null; throttle: Throttle }>();
  private up = false;
  private everUp = false;
  private readying: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The server API's reads and kicks (redis-admin.ts). */
  private readonly admin: RedisAdmin;
  private healthValue: StoreHealth = { ok: false, reason: 'redis: not connected yet' };
  /** Resolves once open() succeeded (what must not run before the connections are up waits for it). */
  private markOpened: () => void = () => {};
  private readonly opened = new Promise<void>((resolve) => (this.markOpened = resolve));

  constructor(private readonly options: RedisStoreOptions) {
    this.keys = new RedisKeys(options.prefix ?? 'cl:');
    this.bounds = options.buffer ?? DEFAULT_BUFFER_BOUNDS;
    this.log = options.log.child({ component: 'redis-store' });
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      // Fail fast while Redis is away: the node answers for itself instead of queueing.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (times) => Math.min(100 * times, 1_000),
    };
    this.cmd = new Redis(options.url, redisOptions);
    this.scripts = new ScriptRunner(this.cmd);
    this.admin = new RedisAdmin({
      cmd: this.cmd,
      keys: this.keys,
      node: () => this.node,
      guard: (run) => this.guard(run),
      kickLocal: (sessionId, message) => this.listener?.kick(sessionId, message),
    });
    this.sub = new Redis(options.url, { ...redisOptions, commandTimeout: undefined });
    const ttlMs = options.nodeTtlMs ?? 3_000;
    this.liveness = new NodeLiveness({
      ttlMs,
      tick: (mayClaim) => this.scripts.run(scripts.tick, { keys: this.keys, node: this.node, ttlMs, mayClaim }),
      onTick: (reply) => this.onTick(reply),
      onFailure: (error) => this.setDown(`redis heartbeat failed: ${error.message}`),
    });
    this.messages = new RedisMessageLog(this.scripts, this.keys, this.bounds, {
      isUp: () => this.up,
      node: () => this.node,
      othersListen: (key) => !this.lonely.has(key) && this.watched.has(key),
      // Only this node listens: stop publishing until another node shows up in the channel.
      delivered: (key, receivers) => receivers <= 1 && this.watched.has(key) && this.lonely.add(key),
      guard: (run) => this.guard(run),
    });
  }

  get health(): StoreHealth {
    return this.healthValue;
  }

  async open(nodeId: string, listener: StoreListener): Promise<void> {
    this.node = nodeId;
    this.listener = listener;
    for (const conn of [this.cmd, this.sub]) {
      // Every connection problem is reported through the health transitions, once each.
      conn.on('error', () => {});
      conn.on('close', () => this.setDown('connection to redis lost'));
      conn.on('ready', () => void this.onReady());
    }
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message));
    try {
      await Promise.all([this.cmd.connect(), this.sub.connect()]);
    } catch (error) {
      await this.close(false);
      throw new Error(`cannot reach redis at ${redact(this.options.url)}: ${(error as Error).message}`);
    }
    await this.onReady();
    if (!this.up) {
      await this.close(false);
      throw new Error(`redis at ${redact(this.options.url)} is not usable: ${this.healthValue.reason}`);
    }
    this.markOpened();
  }

  /** Webhook queues in Redis, shared by every node (redis-webhooks.ts). */
  webhookSink(options: WebhookDeliveryOptions, nodeId: string): WebhookSink {
    return new RedisWebhookDelivery({ cmd: this.cmd, scripts: this.scripts, keys: this.keys, node: nodeId, ready: this.opened }, options);
  }

  async close(graceful: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.liveness.stop();
    for (const out of this.countsOut.values()) out.throttle.cancel();
    if (graceful && this.up) await this.scripts.run(scripts.retire, { keys: this.keys, node: this.node }).catch(() => {});
    this.listener = null;
    await Promise.all([this.cmd.quit().catch(() => this.cmd.disconnect()), this.sub.quit().catch(() => this.sub.disconnect())]);
  }

  watch(key: ChannelKey): Promise<void> {
    let subscribed = this.watched.get(key);
    if (!subscribed) {
      this.lonely.delete(key);
      // Once subscribed, say so on the channel: a publisher that thought nobody else listened
      // (a member may resume here without any channel event) sends data here again.
      subscribed = this.guard(() => this.sub.subscribe(this.keys.topic(key))).then(() => this.announce(key));
      // A failed subscription is retried by the next watch.
      subscribed.catch(() => this.watched.delete(key));
      this.watched.set(key, subscribed);
    }
    return subscribed;
  }

  unwatch(key: ChannelKey): void {
    if (!this.watched.delete(key)) return;
    this.lonely.delete(key);
    if (this.up) this.sub.unsubscribe(this.keys.topic(key)).catch(() => {});
  }

  async join(request: JoinRequest): Promise<JoinResult> {
    const result = await this.guard(() =>
      this.scripts.run(scripts.join, {
        ...this.channel(request.key),
        uk: ukOf(request.uid),
        assigned: request.assigned,
        resumeSessionId: request.resumeSessionId,
        newSessionId: request.newSessionId,
        node: this.node,
        role: request.role,
        streams: request.streams,
        limits: request.limits,
        windowMs: this.bounds.windowMs,
        attributes: request.attributes,
      }),
    );
    if (result.outcome !== 'full' && result.outcome !== 'taken') this.countsChanged(request.key, { ...result.counts, seq: result.seq });
    return result;
  }

  async setRole(ref: MemberRef, role: ClientRole, limits: RoleLimits): Promise<SetRoleResult> {
    const result = await this.guard(() => this.scripts.run(scripts.setRole, { ...this.member(ref), role, maxHosts: limits.hosts }));
    if (result.outcome === 'changed') this.countsChanged(ref.key, result.counts);
    return result;
  }

  setAttributes(ref: MemberRef, attributes: Attributes): Promise<'ok' | 'gone'> {
    return this.guard(() => this.scripts.run(scripts.setAttributes, { ...this.member(ref), attributes }));
  }

  setQuality(ref: MemberRef, quality: QualityPair): Promise<'ok' | 'gone'> {
    return this.guard(() => this.scripts.run(scripts.setQuality, { ...this.member(ref), quality }));
  }

  async leave(ref: MemberRef, reason: PeerLeaveReason): Promise<ChannelCounts | null> {
    const counts = await this.guard(() => this.scripts.run(scripts.leave, { ...this.member(ref), reason, windowMs: this.bounds.windowMs }));
    if (counts) this.countsChanged(ref.key, counts);
    return counts;
  }

  removeStreams(ref: MemberRef): Promise<boolean> {
    return this.guard(() => this.scripts.run(scripts.removeStreams, { ...this.member(ref), windowMs: this.bounds.windowMs }));
  }

  publish(ref: MemberRef, streamId: string, maxStreams: number): Promise<PublishResult> {
    return this.guard(() => this.scripts.run(scripts.publishStream, { ...this.member(ref), streamId, maxStreams }));
  }

  unpublish(ref: MemberRef, streamId: string): Promise<'removed' | 'absent' | 'gone'> {
    return this.guard(() => this.scripts.run(scripts.unpublishStream, { ...this.member(ref), streamId }));
  }

  async hasStream(key: ChannelKey, uid: Uid, streamId: string): Promise<boolean> {
    const value = await this.guard(() => this.cmd.hget(this.keys.members(key), ukOf(uid)));
    return value !== null && memberOf(value).streams.includes(streamId);
  }

  snapshot(key: ChannelKey): Promise<{ members: MemberSnapshot[]; seq: number; counts: ChannelCounts }> {
    return this.guard(() => this.scripts.run(scripts.snapshot, this.channel(key)));
  }

  restore(ref: MemberRef, state: { role: ClientRole; streams: readonly string[]; attributes: Attributes }, connected: boolean): Promise<'ok' | 'lost'> {
    return this.guard(() => this.scripts.run(scripts.restore, { ...this.member(ref), ...state, connected, windowMs: this.bounds.windowMs }));
  }

  listChannels(appId: string): Promise<ChannelSummary[]> {
    return this.admin.listChannels(appId);
  }

  members(key: ChannelKey, role: ClientRole, limit: number, cursor: string | null): Promise<MemberPage> {
    return this.admin.members(key, role, limit, cursor);
  }

  kick(key: ChannelKey, uid: Uid, message: string): Promise<boolean> {
    return this.admin.kick(key, uid, message);
  }

  ban(key: ChannelKey, uid: Uid, untilMs: number): Promise<void> {
    return this.admin.ban(key, uid, untilMs);
  }

  bannedUntil(key: ChannelKey, uid: Uid): Promise<number | null> {
    return this.admin.bannedUntil(key, uid);
  }

  ownedSessions(): Promise<MemberRef[]> {
    return this.guard(() => this.scripts.run(scripts.owned, { keys: this.keys, node: this.node }));
  }

  // ---- internals ----

  private channel(key: ChannelKey) {
    return { keys: this.keys, key };
  }

  private member(ref: MemberRef) {
    return { keys: this.keys, key: ref.key, uk: ukOf(ref.uid), sessionId: ref.sessionId, node: this.node };
  }

  /**
   * Counts this node's change left: its own members hear at once (their channel throttles what
   * clients get); the other nodes are told at most once a second per channel, the newest counts.
   */
  private countsChanged(key: ChannelKey, counts: CountsAt): void {
    this.listener?.counts(key, counts);
    // Told even when this node no longer watches the channel: its last member's departure counts too.
    let out = this.countsOut.get(key);
    if (!out) {
      const entry = { counts, told: null as CountsAt | null, throttle: new Throttle(COUNTS_INTERVAL_MS, () => this.tellCounts(key, entry)) };
      this.countsOut.set(key, (out = entry));
    }
    if (counts.seq > out.counts.seq || out.told === null) out.counts = counts;
    out.throttle.request();
  }

  private tellCounts(key: ChannelKey, out: { counts: CountsAt; told: CountsAt | null }): void {
    const { counts } = out;
    // Nothing to watch for here any more: forget the channel once told.
    if (!this.watched.has(key)) this.countsOut.delete(key);
    if (!this.up || (out.told && out.told.seq >= counts.seq)) return;
    out.told = counts;
    const text = `${counts.seq}|${counts.hosts}|${counts.audience}|${this.node}`;
    this.cmd.publish(this.keys.topic(key), Buffer.concat([Buffer.from([COUNTS]), Buffer.from(text)])).catch(() => {});
  }

  private async announce(key: ChannelKey): Promise<void> {
    await this.cmd.publish(this.keys.topic(key), Buffer.concat([Buffer.from([WATCH]), Buffer.from(this.node)])).catch(() => {});
  }

  /** Runs a command; a Redis that cannot be reached becomes StoreUnavailableError. */
  private async guard<T>(run: () => Promise<T>): Promise<T> {
    if (!this.up) throw new StoreUnavailableError(this.healthValue.reason ?? 'redis unavailable');
    try {
      return await run();
    } catch (error) {
      if ((error as Error).name === 'ReplyError') throw error; // a script bug, not an outage
      throw new StoreUnavailableError((error as Error).message);
    }
  }

  private onReady(): Promise<void> {
    this.readying ??= this.becomeReady().finally(() => (this.readying = null));
    return this.readying;
  }

  private async becomeReady(): Promise<void> {
    if (this.up || this.closed || this.cmd.status !== 'ready' || this.sub.status !== 'ready') return;
    try {
      // (ioredis resubscribes by itself too; awaiting these makes sure events flow before we reconcile.)
      await this.sub.subscribe(this.keys.nodeTopic(this.node), ...[...this.watched.keys()].map((key) => this.keys.topic(key)));
      // Heartbeat before anything else: other nodes must not take this one for dead.
      await this.liveness.start();
    } catch (error) {
      this.setDown(`redis not ready: ${(error as Error).message}`);
      return;
    }
    this.up = true;
    this.healthValue = { ok: true };
    this.lonely.clear();
    const again = this.everUp;
    this.everUp = true;
    if (again) {
      this.log.warn({ node: this.node }, 'redis available again: reconciling this node');
      this.listener?.reconnected();
    }
  }

  private setDown(reason: string): void {
    if (this.closed) return;
    this.liveness.pause();
    this.healthValue = { ok: false, reason };
    if (!this.up) {
      if (this.everUp) this.scheduleRetry();
      return;
    }
    this.up = false;
    this.log.error({ node: this.node, reason }, 'redis unavailable: serving local sessions only');
    // The connections may still be up (a command timed out): try again in a while.
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.onReady().then(() => !this.up && !this.closed && this.scheduleRetry()), 1_000);
    this.retryTimer.unref();
  }

  private onTick({ wasAbsent, adopted }: scripts.TickReply): void {
    // Declared dead while alive (a long pause): other nodes adopted our members; take them back.
    if (wasAbsent && this.up) {
      this.log.warn({ node: this.node }, 'this node was taken for dead: reconciling');
      this.listener?.reconnected();
    }
    if (adopted.length > 0) {
      this.log.info({ node: this.node, sessions: adopted.length }, 'adopted the members of a dead node');
      this.listener?.adopted(adopted);
    }
  }

  private onMessage(channel: string, message: Buffer): void {
    const listener = this.listener;
    if (!listener || message.length === 0) return;
    if (channel.startsWith(this.keys.nodeTopicPrefix)) {
      const text = message.toString();
      if (text.startsWith('kick|')) {
        const [, sessionId = '', ...rest] = text.split('|');
        listener.kick(sessionId, rest.join('|'));
        return;
      }
      const [how, sessionId] = text.split('|');
      if ((how === 'resumed' || how === 'replaced') && sessionId) listener.sessionTaken(sessionId, how);
      return;
    }
    const key = this.keys.keyOfTopic(channel) as ChannelKey;
    if (message[0] === WATCH) {
      if (message.toString('utf8', 1) !== this.node) this.lonely.delete(key);
      return;
    }
    if (message[0] === COUNTS) {
      const [seq, hosts, audience, origin] = message.toString('utf8', 1).split('|');
      if (origin !== this.node) listener.counts(key, { seq: Number(seq), hosts: Number(hosts), audience: Number(audience) });
      return;
    }
    if (message[0] === DATA) {
      const originLength = message[1] ?? 0;
      if (message.toString('utf8', 2, 2 + originLength) === this.node) return;
      this.lonely.delete(key);
      listener.data(key, new Uint8Array(message.buffer, message.byteOffset + 2 + originLength, message.length - 2 - originLength));
      return;
    }
    if (message[0] !== EVENT) return;
    const text = message.toString('utf8', 1);
    const [seq, sessionId, origin] = text.split('|', 3);
    const frameText = text.slice(seq!.length + sessionId!.length + origin!.length + 3);
    let frame: StoreEventFrame;
    try {
      frame = decodePresenceEntry(frameText);
    } catch (error) {
      this.log.error({ err: (error as Error).message }, 'bad event from redis dropped');
      return;
    }
    if (origin !== this.node) this.lonely.delete(key);
    listener.storeEvent({ key, seq: Number(seq), sessionId: sessionId!, origin: origin!, frame });
  }
}

/** A Redis URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

