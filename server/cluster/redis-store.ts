/**
 * ChannelStore on Redis: every node on the same Redis, or Redis Cluster (and prefix), is one
 * cluster. Membership changes are Lua scripts (redis-scripts/*.lua), each on the keys of one slot:
 * a channel's keys share its hash tag, the node registry has its own. Events and cross-node data
 * travel on sharded pub/sub; a node's liveness is one heartbeat per `nodeTtlMs / 3`
 * (node-liveness.ts). Idle members cost no command: their liveness stays on their node. Each shard
 * is up or down on its own (redis-shards.ts): a shard that is down affects only its channels.
 */
import type { Redis } from 'ioredis';
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
  type AdoptedSession,
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
import { redact, RedisShards, type Shard } from './redis-shards.js';

export interface RedisStoreOptions {
  /** A single Redis (`redis://` or `rediss://`). One of `url` and `cluster`. */
  url?: string;
  /** A Redis Cluster: 'host:port' of some of its masters (the rest are discovered). */
  cluster?: readonly string[];
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
/** How long open() waits for every shard to serve. */
const OPEN_WAIT_MS = 5_000;

export class RedisChannelStore implements ChannelStore {
  readonly durable = true;
  readonly messages: RedisMessageLog;
  private readonly keys: RedisKeys;
  private readonly log: Logger;
  private readonly shards: RedisShards;
  private scripts!: ScriptRunner;
  /** The node registry's scripts, on the registry shard's own connection (redis-shards.ts). */
  private registryScripts!: ScriptRunner;
  /** SPUBLISH/SSUBSCRIBE (sharded pub/sub), or PUBLISH/SUBSCRIBE on a single Redis older than 7. */
  private sharded = true;
  private readonly liveness: NodeLiveness;
  private readonly bounds: BufferBounds;
  private readonly where: string;
  private node = '';
  private listener: StoreListener | null = null;
  private readonly watched = new Map<ChannelKey, Promise<void>>();
  /** Channels whose data no other node listens to (learnt from PUBLISH's receiver count). */
  private readonly lonely = new Set<ChannelKey>();
  /** Per channel: the newest counts this node's own changes left, told to the other nodes at most once a second. */
  private readonly countsOut = new Map<ChannelKey, { counts: CountsAt; told: CountsAt | null; throttle: Throttle }>();
  /**
   * The members this node owns, as far as it knows (session id -> channel, and the streams the
   * store last said it has): whether it must hand them over when it stops, and which message keys
   * its calls declare (a guess: a script that needs others asks for them, runner.ts).
   */
  private readonly owns = new Map<string, { key: ChannelKey; streams: readonly string[] }>();
  /** Dead nodes whose members this node is adopting now. */
  private readonly adopting = new Set<string>();
  private opened = false;
  private closed = false;
  /** The server API's reads and kicks (redis-admin.ts). */
  private readonly admin: RedisAdmin;
  /** Resolves once open() succeeded (what must not run before the connections are up waits for it). */
  private markOpened: () => void = () => {};
  private readonly openedSignal = new Promise<void>((resolve) => (this.markOpened = resolve));

  constructor(private readonly options: RedisStoreOptions) {
    this.keys = new RedisKeys(options.prefix ?? 'cl:');
    this.bounds = options.buffer ?? DEFAULT_BUFFER_BOUNDS;
    this.log = options.log.child({ component: 'redis-store' });
    if (options.cluster) {
      this.shards = new RedisShards({ cluster: options.cluster });
      this.where = `redis cluster ${options.cluster.join(',')}`;
    } else {
      if (!options.url) throw new Error('RedisChannelStore needs a url or a cluster');
      this.shards = new RedisShards({ url: options.url });
      this.where = `redis at ${redact(options.url)}`;
    }
    const ttlMs = options.nodeTtlMs ?? 3_000;
    this.liveness = new NodeLiveness({
      ttlMs,
      tick: (mayClaim) => this.registryScripts.run(scripts.tick, { keys: this.keys, node: this.node, ttlMs, mayClaim }),
      onTick: (reply) => this.onTick(reply),
      onFailure: (error) => this.setDown(this.registry(), `redis heartbeat failed: ${error.message}`),
    });
    this.admin = new RedisAdmin({
      cmd: this.shards.cmd,
      keys: this.keys,
      node: () => this.node,
      guard: (key, run) => this.guard(key, run),
      scanAll: (pattern) => this.scanAll(pattern),
      tellNode: (node, message) => this.publishTo(this.keys.nodeTopic(node), message).then(() => undefined),
      kickLocal: (sessionId, message) => this.listener?.kick(sessionId, message),
    });
    this.messages = new RedisMessageLog(this.keys, this.bounds, {
      run: (script, args) => this.scripts.run(script, args),
      isUp: (key) => this.shardUp(key),
      node: () => this.node,
      othersListen: (key) => !this.lonely.has(key) && this.watched.has(key),
      // Only this node listens: stop publishing until another node shows up in the channel.
      delivered: (key, receivers) => receivers <= 1 && this.watched.has(key) && this.lonely.add(key),
      guard: (key, run) => this.guard(key, run),
    });
  }

  /** Ok unless the node registry's shard (or every shard) is unreachable: one shard down affects only its channels. */
  get health(): StoreHealth {
    const down = this.shards.all().filter((s) => !s.up);
    if (!this.opened) return { ok: false, reason: 'redis: not connected yet' };
    const registry = this.shards.shardOf(this.keys.nodes);
    if (down.length === 0) return { ok: true };
    const reason = `redis unreachable: ${down.map((s) => s.id).join(', ')}`;
    return { ok: !(registry && !registry.up) && down.length < this.shards.all().length, reason };
  }

  async open(nodeId: string, listener: StoreListener): Promise<void> {
    this.node = nodeId;
    this.listener = listener;
    const cmd = this.shards.cmd;
    // Every connection problem is reported through the health transitions, once each.
    cmd.on('error', () => {});
    if (!this.shards.clustered) {
      cmd.on('close', () => this.setDown(this.shards.all()[0], 'connection to redis lost'));
      cmd.on('ready', () => this.shards.all()[0] && void this.onReady(this.shards.all()[0]!));
    }
    try {
      await this.shards.connect((shard) => this.wire(shard));
      this.sharded = this.shards.clustered || (await this.hasShardedPubSub());
      this.scripts = new ScriptRunner(cmd, this.sharded ? 'SPUBLISH' : 'PUBLISH');
      this.registryScripts = this.shards.clustered ? new ScriptRunner(this.shards.registryClient(this.keys.nodes)) : this.scripts;
    } catch (error) {
      await this.close(false);
      throw new Error(`cannot reach ${this.where}: ${(error as Error).message}`);
    }
    this.opened = true;
    // A shard that just joined (or restarted) may need a moment before it serves: give it a few tries.
    const until = Date.now() + OPEN_WAIT_MS;
    do {
      await Promise.all(this.shards.all().map((s) => this.onReady(s)));
      if (this.shards.all().every((s) => s.up)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < until);
    const down = this.shards.all().find((s) => !s.up);
    if (down) {
      const { reason } = this.health;
      await this.close(false);
      throw new Error(`${this.where} is not usable: ${reason}`);
    }
    this.markOpened();
  }

  /** Webhook queues in Redis, shared by every node (redis-webhooks.ts); each URL's queue and lease share one slot. */
  webhookSink(options: WebhookDeliveryOptions, nodeId: string): WebhookSink {
    const store = this;
    return new RedisWebhookDelivery(
      {
        cmd: this.shards.cmd,
        keys: this.keys,
        node: nodeId,
        ready: this.openedSignal,
        // The scripts exist once the store is open (the sink is made before): until then Redis is unreachable.
        get scripts() {
          if (!store.opened) throw new StoreUnavailableError('redis: not connected yet');
          return store.scripts;
        },
      },
      options,
    );
  }

  async close(graceful: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const shard of this.shards.all()) clearTimeout(shard.retryTimer);
    this.liveness.stop();
    for (const out of this.countsOut.values()) out.throttle.cancel();
    if (graceful && this.registry()?.up) await this.registryScripts.run(scripts.retire, { keys: this.keys, node: this.node, ownsMembers: this.owns.size > 0 }).catch(() => {});
    this.listener = null;
    await this.shards.close();
  }

  watch(key: ChannelKey): Promise<void> {
    let subscribed = this.watched.get(key);
    if (!subscribed) {
      this.lonely.delete(key);
      // Once subscribed, say so on the channel: a publisher that thought nobody else listened
      // (a member may resume here without any channel event) sends data here again.
      subscribed = this.guard(key, (shard) => this.subscribe(shard.sub, this.keys.topic(key))).then(() => this.announce(key));
      // A failed subscription is retried by the next watch.
      subscribed.catch(() => this.watched.delete(key));
      this.watched.set(key, subscribed);
    }
    return subscribed;
  }

  unwatch(key: ChannelKey): void {
    if (!this.watched.delete(key)) return;
    this.lonely.delete(key);
    const topic = this.keys.topic(key);
    const shard = this.shards.shardOf(topic);
    if (shard?.up) (this.sharded ? shard.sub.sunsubscribe(topic) : shard.sub.unsubscribe(topic)).catch(() => {});
  }

  async join(request: JoinRequest): Promise<JoinResult> {
    const result = await this.guard(request.key, () =>
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
        declared: { owner: '', streams: union(request.streams, this.streamsOf(request.resumeSessionId)) },
      }),
    );
    if (result.outcome !== 'full' && result.outcome !== 'taken') {
      this.owns.set(result.sessionId, { key: request.key, streams: result.streams });
      if (result.previous && result.previous.node !== this.node) this.tellNode(result.previous.node, `${result.outcome}|${result.previous.sessionId}`);
      else if (result.previous && result.previous.sessionId !== result.sessionId) this.owns.delete(result.previous.sessionId);
      this.countsChanged(request.key, { ...result.counts, seq: result.seq });
    }
    return result;
  }

  async setRole(ref: MemberRef, role: ClientRole, limits: RoleLimits): Promise<SetRoleResult> {
    const result = await this.guard(ref.key, () => this.scripts.run(scripts.setRole, { ...this.member(ref), role, maxHosts: limits.hosts }));
    if (result.outcome === 'changed' && role === 'audience') this.ownedStreams(ref, () => []);
    if (result.outcome === 'changed') this.countsChanged(ref.key, result.counts);
    return result;
  }

  setAttributes(ref: MemberRef, attributes: Attributes): Promise<'ok' | 'gone'> {
    return this.guard(ref.key, () => this.scripts.run(scripts.setAttributes, { ...this.member(ref), attributes }));
  }

  setQuality(ref: MemberRef, quality: QualityPair): Promise<'ok' | 'gone'> {
    return this.guard(ref.key, () => this.scripts.run(scripts.setQuality, { ...this.member(ref), quality }));
  }

  async leave(ref: MemberRef, reason: PeerLeaveReason): Promise<ChannelCounts | null> {
    const counts = await this.guard(ref.key, () => this.scripts.run(scripts.leave, { ...this.member(ref), reason, windowMs: this.bounds.windowMs }));
    this.owns.delete(ref.sessionId);
    if (counts) this.countsChanged(ref.key, counts);
    return counts;
  }

  async removeStreams(ref: MemberRef): Promise<boolean> {
    const removed = await this.guard(ref.key, () => this.scripts.run(scripts.removeStreams, { ...this.member(ref), windowMs: this.bounds.windowMs }));
    if (removed) this.ownedStreams(ref, () => []);
    return removed;
  }

  async publish(ref: MemberRef, streamId: string, maxStreams: number): Promise<PublishResult> {
    const result = await this.guard(ref.key, () => this.scripts.run(scripts.publishStream, { ...this.member(ref), streamId, maxStreams }));
    if (result === 'added') this.ownedStreams(ref, (streams) => [...streams, streamId]);
    return result;
  }

  async unpublish(ref: MemberRef, streamId: string): Promise<'removed' | 'absent' | 'gone'> {
    const result = await this.guard(ref.key, () => this.scripts.run(scripts.unpublishStream, { ...this.member(ref), streamId }));
    if (result === 'removed') this.ownedStreams(ref, (streams) => streams.filter((s) => s !== streamId));
    return result;
  }

  async hasStream(key: ChannelKey, uid: Uid, streamId: string): Promise<boolean> {
    const value = await this.guard(key, () => this.shards.cmd.hget(this.keys.members(key), ukOf(uid)));
    return value !== null && memberOf(value).streams.includes(streamId);
  }

  snapshot(key: ChannelKey): Promise<{ members: MemberSnapshot[]; seq: number; counts: ChannelCounts }> {
    return this.guard(key, () => this.scripts.run(scripts.snapshot, this.channel(key)));
  }

  async restore(ref: MemberRef, state: { role: ClientRole; streams: readonly string[]; attributes: Attributes }, connected: boolean): Promise<'ok' | 'lost'> {
    const declared = { owner: '', streams: union(state.streams, this.streamsOf(ref.sessionId)) };
    const result = await this.guard(ref.key, () => this.scripts.run(scripts.restore, { ...this.member(ref), ...state, connected, windowMs: this.bounds.windowMs, declared }));
    if (result.outcome === 'lost') {
      this.owns.delete(ref.sessionId);
      return 'lost';
    }
    this.owns.set(ref.sessionId, { key: ref.key, streams: state.role === 'host' ? state.streams : [] });
    if (result.takenFrom) this.tellNode(result.takenFrom, `resumed|${ref.sessionId}`);
    return 'ok';
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

  /** The sessions the store thinks this node owns, in the channels `covers` selects (all by default). */
  async ownedSessions(covers: (key: ChannelKey) => boolean = () => true): Promise<MemberRef[]> {
    const out: MemberRef[] = [];
    for (const key of await this.ownedChannels(this.node)) {
      if (!covers(key)) continue;
      for (const member of await this.guard(key, () => this.scripts.run(scripts.owned, { keys: this.keys, key, node: this.node }))) out.push({ key, ...member });
    }
    return out;
  }

  // ---- internals ----

  private channel(key: ChannelKey) {
    return { keys: this.keys, key };
  }

  /** A member's call, declaring the message keys of the streams this node knows it has. */
  private member(ref: MemberRef) {
    return { keys: this.keys, key: ref.key, uk: ukOf(ref.uid), sessionId: ref.sessionId, node: this.node, declared: { owner: '', streams: this.streamsOf(ref.sessionId) } };
  }

  private streamsOf(sessionId: string | undefined): readonly string[] {
    return (sessionId !== undefined && this.owns.get(sessionId)?.streams) || [];
  }

  /** What a call left of an owned member's streams. */
  private ownedStreams(ref: MemberRef, next: (streams: readonly string[]) => readonly string[]): void {
    const owned = this.owns.get(ref.sessionId);
    if (owned) owned.streams = next(owned.streams);
  }

  /** The shard of the node registry (and of this node's liveness). */
  private registry(): Shard | undefined {
    return this.shards.shardOf(this.keys.nodes);
  }

  private shardUp(key: ChannelKey): boolean {
    return this.shards.shardOf(this.keys.topic(key))?.up === true;
  }

  /** The channels in which `node` owns members, as their owned sets say (a SCAN of every shard that is up). */
  private async ownedChannels(node: string): Promise<ChannelKey[]> {
    const keys: ChannelKey[] = [];
    for (const shard of this.shards.all()) {
      if (!shard.up) continue;
      for (const owned of await this.shards.scan(shard, this.keys.ownedPattern(node))) keys.push(this.keys.keyOfOwned(owned, node) as ChannelKey);
    }
    return keys;
  }

  /** Every key that matches `pattern` on every shard (the server API's listing): a shard that is down makes the answer incomplete, so it fails. */
  private async scanAll(pattern: string): Promise<string[]> {
    const down = this.shards.all().find((s) => !s.up);
    if (!this.opened || down) throw new StoreUnavailableError(down ? `redis shard ${down.id} unreachable` : 'redis: not connected yet');
    try {
      return (await Promise.all(this.shards.all().map((shard) => this.shards.scan(shard, pattern)))).flat();
    } catch (error) {
      throw new StoreUnavailableError((error as Error).message);
    }
  }

  private subscribe(sub: Redis, topic: string): Promise<unknown> {
    return this.sharded ? sub.ssubscribe(topic) : sub.subscribe(topic);
  }

  private publishTo(topic: string, message: Buffer | string): Promise<number> {
    return (this.sharded ? this.shards.cmd.spublish(topic, message) : this.shards.cmd.publish(topic, message)) as Promise<number>;
  }

  /** Tells another node that one of its sessions was resumed or replaced here. */
  private tellNode(node: string, message: string): void {
    this.publishTo(this.keys.nodeTopic(node), message).catch(() => {});
  }

  /** Whether this single Redis has sharded pub/sub (Redis 7 and newer). */
  private async hasShardedPubSub(): Promise<boolean> {
    const info = await (this.shards.cmd as Redis).command('INFO', 'spublish').catch(() => [null]);
    return Array.isArray(info) && info[0] !== null;
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
    if (!this.shardUp(key) || (out.told && out.told.seq >= counts.seq)) return;
    out.told = counts;
    const text = `${counts.seq}|${counts.hosts}|${counts.audience}|${this.node}`;
    this.publishTo(this.keys.topic(key), Buffer.concat([Buffer.from([COUNTS]), Buffer.from(text)])).catch(() => {});
  }

  private async announce(key: ChannelKey): Promise<void> {
    await this.publishTo(this.keys.topic(key), Buffer.concat([Buffer.from([WATCH]), Buffer.from(this.node)])).catch(() => {});
  }

  /** Runs a command on the channel's shard; a shard that cannot be reached becomes StoreUnavailableError. */
  private async guard<T>(key: ChannelKey, run: (shard: Shard) => Promise<T>): Promise<T> {
    const shard = this.shards.shardOf(this.keys.topic(key));
    if (!shard?.up) throw new StoreUnavailableError(shard ? `redis shard ${shard.id} unreachable` : 'redis cluster: no shard serves this channel');
    try {
      return await run(shard);
    } catch (error) {
      if ((error as Error).name === 'ReplyError' && !/^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK)/.test((error as Error).message)) throw error; // a script bug, not an outage
      throw new StoreUnavailableError((error as Error).message);
    }
  }

  /** A shard's subscriber: its connection says whether the shard is up; its messages are the channels'. */
  private wire(shard: Shard): void {
    const sub = shard.sub;
    sub.on('error', () => {});
    sub.on('close', () => this.setDown(shard, `connection to redis ${shard.id} lost`));
    sub.on('ready', () => void this.onReady(shard));
    sub.on(this.shards.clustered ? 'smessageBuffer' : 'messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message));
    // A single Redis 7 delivers shard channels as smessage too.
    if (!this.shards.clustered) sub.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message));
  }

  private onReady(shard: Shard): Promise<void> {
    shard.readying ??= this.becomeReady(shard).finally(() => (shard.readying = null));
    return shard.readying;
  }

  private async becomeReady(shard: Shard): Promise<void> {
    if (!this.opened || shard.up || this.closed || shard.sub.status !== 'ready') return;
    const isRegistry = this.registry() === shard;
    try {
      if (!(await this.shards.usable(shard))) throw new Error('not serving yet');
      // Resubscribed here, one topic at a time (each in its own slot), before we reconcile: events flow first.
      const topics = [this.keys.nodeTopic(this.node), ...[...this.watched.keys()].map((key) => this.keys.topic(key))];
      await Promise.all(topics.filter((topic) => this.shards.shardOf(topic) === shard).map((topic) => this.subscribe(shard.sub, topic)));
      // Heartbeat before anything else: other nodes must not take this one for dead.
      if (isRegistry) await this.liveness.start();
    } catch (error) {
      this.log.debug({ node: this.node, shard: shard.id, err: (error as Error).message }, 'redis shard not ready yet');
      this.setDown(shard, `redis ${shard.id} not ready: ${(error as Error).message}`);
      return;
    }
    shard.up = true;
    for (const key of this.lonely) if (this.shards.shardOf(this.keys.topic(key)) === shard) this.lonely.delete(key);
    const again = shard.everUp;
    shard.everUp = true;
    if (again) {
      this.log.warn({ node: this.node, shard: shard.id }, 'redis available again: reconciling this node');
      this.listener?.reconnected(this.shards.clustered ? (key) => this.shards.shardOf(this.keys.topic(key)) === shard : undefined);
    }
  }

  private setDown(shard: Shard | undefined, reason: string): void {
    if (this.closed || !shard) return;
    if (this.registry() === shard) this.liveness.pause();
    if (!shard.up) {
      if (shard.everUp) this.scheduleRetry(shard);
      return;
    }
    shard.up = false;
    this.log.error({ node: this.node, shard: shard.id, reason }, 'redis unavailable: serving local sessions only');
    // The connections may still be up (a command timed out): try again in a while.
    this.scheduleRetry(shard);
  }

  private scheduleRetry(shard: Shard): void {
    clearTimeout(shard.retryTimer);
    shard.retryTimer = setTimeout(() => void this.onReady(shard).then(() => !shard.up && !this.closed && this.scheduleRetry(shard)), 1_000);
    shard.retryTimer.unref();
  }

  private onTick({ wasAbsent, dead }: scripts.TickReply): void {
    // Declared dead while alive (a long pause): other nodes adopted our members; take them back.
    if (wasAbsent && this.registry()?.up) {
      this.log.warn({ node: this.node }, 'this node was taken for dead: reconciling');
      this.listener?.reconnected();
    }
    for (const { node, silentForMs } of dead) if (!this.adopting.has(node)) void this.adoptFrom(node, silentForMs);
  }

  /**
   * Takes over the members of a dead node this node claimed, channel by channel (each an atomic
   * script in the channel's slot), then releases the dead node from the registry. A channel that
   * cannot be reached now is tried again at a later tick (the claim stays this node's meanwhile).
   */
  private async adoptFrom(dead: string, silentForMs: number): Promise<void> {
    this.adopting.add(dead);
    let complete = this.shards.all().every((s) => s.up);
    let count = 0;
    try {
      for (const key of await this.ownedChannels(dead)) {
        try {
          const members = await this.guard(key, () => this.scripts.run(scripts.adopt, { keys: this.keys, key, dead, node: this.node }));
          if (members.length === 0) continue;
          const adopted: AdoptedSession[] = members.map((m) => ({ ...m, key, silentForMs }));
          for (const m of adopted) this.owns.set(m.sessionId, { key, streams: m.streams });
          count += adopted.length;
          this.listener?.adopted(adopted);
        } catch {
          complete = false;
        }
      }
      if (complete) await this.registryScripts.run(scripts.release, { keys: this.keys, node: this.node, dead });
      if (count > 0) this.log.info({ node: this.node, dead, sessions: count }, 'adopted the members of a dead node');
    } catch (error) {
      this.log.warn({ node: this.node, dead, err: (error as Error).message }, 'adoption of a dead node interrupted: retried');
    } finally {
      this.adopting.delete(dead);
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
      if ((how === 'resumed' || how === 'replaced') && sessionId) {
        this.owns.delete(sessionId);
        listener.sessionTaken(sessionId, how);
      }
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

/** `a` and the entries of `b` it lacks. */
function union(a: readonly string[], b: readonly string[]): readonly string[] {
  return b.length === 0 ? a : [...new Set([...a, ...b])];
}
