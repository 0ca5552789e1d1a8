/**
 * ChannelStore on Redis: every node on the same Redis (and prefix) is one cluster. Membership
 * changes are Lua scripts (redis-scripts.ts); events and cross-node data travel on pub/sub; a
 * node's liveness is one heartbeat per `nodeTtlMs / 3` (node-liveness.ts). Idle members cost no
 * command: their liveness stays on their node.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { decodeServerFrame } from '../../src/protocol.js';
import type { Uid } from '../../src/types.js';
import type { PeerLeaveReason } from '../../src/wire-words.js';
import {
  DEFAULT_BUFFER_BOUNDS,
  StoreUnavailableError,
  type BufferBounds,
  type BufferedMessage,
  type ChannelEventFrame,
  type ChannelKey,
  type ChannelStore,
  type JoinRequest,
  type JoinResult,
  type MemberRef,
  type MemberSnapshot,
  type PublishResult,
  type Replay,
  type StoreHealth,
  type StoreListener,
} from '../store.js';
import { NodeLiveness } from './node-liveness.js';
import { adoptedFrom, memberOf, uidFromKey, ukOf } from './redis-codec.js';
import * as scripts from './redis-scripts.js';

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

type ScriptName =
  | 'join'
  | 'leave'
  | 'removeStreams'
  | 'publishStream'
  | 'unpublishStream'
  | 'snapshot'
  | 'restore'
  | 'owned'
  | 'tick'
  | 'retire'
  | 'appendData'
  | 'readData';
type Scripted = Redis &
  Record<ScriptName, (...args: (string | number | Buffer)[]) => Promise<unknown>> &
  Record<`${ScriptName}Buffer`, (...args: (string | number | Buffer)[]) => Promise<unknown>>;

const SCRIPTS: Record<ScriptName, string> = {
  join: scripts.JOIN,
  leave: scripts.LEAVE,
  removeStreams: scripts.REMOVE_STREAMS,
  publishStream: scripts.PUBLISH,
  unpublishStream: scripts.UNPUBLISH,
  snapshot: scripts.SNAPSHOT,
  restore: scripts.RESTORE,
  owned: scripts.OWNED,
  tick: scripts.TICK,
  retire: scripts.RETIRE,
  appendData: scripts.APPEND,
  readData: scripts.READ,
};

const EVENT = 0x45; // 'E'
const DATA = 0x44; // 'D'
const WATCH = 0x57; // 'W': a node now listens to the channel
const CONNECT_TIMEOUT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 3_000;

export class RedisChannelStore implements ChannelStore {
  readonly durable = true;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly cmd: Scripted;
  private readonly sub: Redis;
  private readonly liveness: NodeLiveness;
  private readonly bounds: BufferBounds;
  private nodeId = '';
  private listener: StoreListener | null = null;
  private readonly watched = new Map<ChannelKey, Promise<void>>();
  /** Channels whose data no other node listens to (learnt from PUBLISH's receiver count). */
  private readonly lonely = new Set<ChannelKey>();
  private up = false;
  private everUp = false;
  private readying: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private healthValue: StoreHealth = { ok: false, reason: 'redis: not connected yet' };

  constructor(private readonly options: RedisStoreOptions) {
    this.prefix = options.prefix ?? 'cl:';
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
    this.cmd = new Redis(options.url, redisOptions) as Scripted;
    this.sub = new Redis(options.url, { ...redisOptions, commandTimeout: undefined });
    for (const [name, lua] of Object.entries(SCRIPTS)) this.cmd.defineCommand(name, { numberOfKeys: 0, lua });
    this.liveness = new NodeLiveness({
      ttlMs: options.nodeTtlMs ?? 3_000,
      tick: (mayClaim) => this.cmd.tick(this.prefix, this.nodeId, options.nodeTtlMs ?? 3_000, mayClaim ? 1 : 0) as Promise<string[]>,
      onAdopted: (reply, wasAbsent) => this.onTick(reply, wasAbsent),
      onFailure: (error) => this.setDown(`redis heartbeat failed: ${error.message}`),
    });
  }

  get health(): StoreHealth {
    return this.healthValue;
  }

  async open(nodeId: string, listener: StoreListener): Promise<void> {
    this.nodeId = nodeId;
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
  }

  async close(graceful: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.liveness.stop();
    if (graceful && this.up) await this.cmd.retire(this.prefix, this.nodeId).catch(() => {});
    this.listener = null;
    await Promise.all([this.cmd.quit().catch(() => this.cmd.disconnect()), this.sub.quit().catch(() => this.sub.disconnect())]);
  }

  watch(key: ChannelKey): Promise<void> {
    let subscribed = this.watched.get(key);
    if (!subscribed) {
      this.lonely.delete(key);
      // Once subscribed, say so on the channel: a publisher that thought nobody else listened
      // (a member may resume here without any channel event) sends data here again.
      subscribed = this.guard(() => this.sub.subscribe(this.topic(key))).then(() => this.announce(key));
      // A failed subscription is retried by the next watch.
      subscribed.catch(() => this.watched.delete(key));
      this.watched.set(key, subscribed);
    }
    return subscribed;
  }

  unwatch(key: ChannelKey): void {
    if (!this.watched.delete(key)) return;
    this.lonely.delete(key);
    if (this.up) this.sub.unsubscribe(this.topic(key)).catch(() => {});
  }

  async join(request: JoinRequest): Promise<JoinResult> {
    const reply = (await this.guard(() =>
      this.cmd.join(
        this.prefix,
        request.key,
        ukOf(request.uid),
        request.assigned ? 1 : 0,
        request.resumeSessionId ?? '',
        request.newSessionId,
        this.nodeId,
        request.streams.join(','),
        request.maxMembers,
        this.bounds.windowMs,
      ),
    )) as string[];
    const [outcome, sessionId, seq, prevSid, prevNode, streams, published] = reply;
    if (outcome === 'full' || outcome === 'taken') return { outcome };
    return {
      outcome: outcome as 'fresh' | 'resumed' | 'replaced',
      sessionId: sessionId!,
      streams: streams ? streams.split(',') : [],
      published: published ? published.split(',').map(positionOf) : [],
      snapshot: membersOf(reply.slice(7)),
      seq: Number(seq),
      previous: prevNode ? { sessionId: prevSid!, node: prevNode } : null,
    };
  }

  async leave(ref: MemberRef, reason: PeerLeaveReason): Promise<boolean> {
    return (await this.guard(() => this.cmd.leave(this.prefix, ref.key, ukOf(ref.uid), ref.sessionId, this.nodeId, reason, this.bounds.windowMs))) === 1;
  }

  async removeStreams(ref: MemberRef): Promise<boolean> {
    return (await this.guard(() => this.cmd.removeStreams(this.prefix, ref.key, ukOf(ref.uid), ref.sessionId, this.nodeId, this.bounds.windowMs))) === 1;
  }

  async publish(ref: MemberRef, streamId: string, maxStreams: number): Promise<PublishResult> {
    return (await this.guard(() =>
      this.cmd.publishStream(this.prefix, ref.key, ukOf(ref.uid), ref.sessionId, this.nodeId, streamId, maxStreams),
    )) as PublishResult;
  }

  async unpublish(ref: MemberRef, streamId: string): Promise<'removed' | 'absent' | 'gone'> {
    return (await this.guard(() =>
      this.cmd.unpublishStream(this.prefix, ref.key, ukOf(ref.uid), ref.sessionId, this.nodeId, streamId),
    )) as 'removed' | 'absent' | 'gone';
  }

  async hasStream(key: ChannelKey, uid: Uid, streamId: string): Promise<boolean> {
    const value = await this.guard(() => this.cmd.hget(this.memberKey(key), ukOf(uid)));
    return value !== null && memberOf(value).streams.includes(streamId);
  }

  async snapshot(key: ChannelKey, exceptSessionId?: string): Promise<{ members: MemberSnapshot[]; seq: number }> {
    const reply = (await this.guard(() => this.cmd.snapshot(this.prefix, key))) as string[];
    return { members: membersOf(reply.slice(1), exceptSessionId), seq: Number(reply[0]) };
  }

  async restore(ref: MemberRef, streams: readonly string[], connected: boolean): Promise<'ok' | 'lost'> {
    return (await this.guard(() =>
      this.cmd.restore(this.prefix, ref.key, ukOf(ref.uid), ref.sessionId, this.nodeId, streams.join(','), connected ? 1 : 0, this.bounds.windowMs),
    )) as 'ok' | 'lost';
  }

  async ownedSessions(): Promise<MemberRef[]> {
    const reply = (await this.guard(() => this.cmd.owned(this.prefix, this.nodeId))) as string[];
    const out: MemberRef[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      out.push({ key: reply[i] as ChannelKey, uid: uidFromKey(reply[i + 1]!), sessionId: reply[i + 2]! });
    }
    return out;
  }

  appendData(ref: MemberRef, streamId: string, message: BufferedMessage): void {
    if (!this.up) return; // local subscribers have it; a resume elsewhere reports the gap
    const { key } = ref;
    const publish = !this.lonely.has(key) && this.watched.has(key);
    const frame = Buffer.from(message.frame.buffer, message.frame.byteOffset, message.frame.byteLength);
    // Trimmed by count, and by bytes as if every message were this one's size (Redis counts entries).
    const maxLen = Math.max(1, Math.min(this.bounds.maxMessages, Math.floor(this.bounds.maxBytes / Math.max(1, frame.length))));
    this.cmd
      .appendData(this.prefix, key, ukOf(ref.uid), streamId, message.epoch, message.seq, frame, maxLen, publish ? 1 : 0, this.nodeId)
      .then(
        // Only this node listens: stop publishing until another node shows up in the channel.
        (receivers) => publish && (receivers as number) <= 1 && this.watched.has(key) && this.lonely.add(key),
        () => {},
      );
  }

  async readData(key: ChannelKey, uid: Uid, streamId: string, epoch: number, seq: number): Promise<Replay | null> {
    const reply = (await this.guard(() =>
      this.cmd.readDataBuffer(this.prefix, key, ukOf(uid), streamId, epoch, seq, this.bounds.windowMs),
    )) as Buffer[] | null;
    if (!reply) return null;
    const newestEpoch = Number(reply[0]!.toString());
    const newest = Number(reply[1]!.toString());
    const messages: BufferedMessage[] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) {
      const frame = reply[i + 1]!;
      messages.push({ epoch: newestEpoch, seq: Number(reply[i]!.toString()), frame: new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength) });
    }
    return { epoch: newestEpoch, from: messages[0]?.seq ?? newest + 1, to: newest, messages };
  }

  // ---- internals ----

  private async announce(key: ChannelKey): Promise<void> {
    await this.cmd.publish(this.topic(key), Buffer.concat([Buffer.from([WATCH]), Buffer.from(this.nodeId)])).catch(() => {});
  }

  private topic(key: ChannelKey): string {
    return `${this.prefix}c:${key}`;
  }

  private memberKey(key: ChannelKey): string {
    return `${this.prefix}m:${key}`;
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
      await this.sub.subscribe(`${this.prefix}n:${this.nodeId}`, ...[...this.watched.keys()].map((key) => this.topic(key)));
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
      this.log.warn({ node: this.nodeId }, 'redis available again: reconciling this node');
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
    this.log.error({ node: this.nodeId, reason }, 'redis unavailable: serving local sessions only');
    // The connections may still be up (a command timed out): try again in a while.
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.onReady().then(() => !this.up && !this.closed && this.scheduleRetry()), 1_000);
    this.retryTimer.unref();
  }

  private onTick(reply: string[], wasAbsent: boolean): void {
    // Declared dead while alive (a long pause): other nodes adopted our members; take them back.
    if (wasAbsent && this.up) {
      this.log.warn({ node: this.nodeId }, 'this node was taken for dead: reconciling');
      this.listener?.reconnected();
    }
    const adopted = adoptedFrom(reply);
    if (adopted.length > 0) {
      this.log.info({ node: this.nodeId, sessions: adopted.length }, 'adopted the members of a dead node');
      this.listener?.adopted(adopted);
    }
  }

  private onMessage(channel: string, message: Buffer): void {
    const listener = this.listener;
    if (!listener || message.length === 0) return;
    if (channel.startsWith(`${this.prefix}n:`)) {
      const [how, sessionId] = message.toString().split('|');
      if ((how === 'resumed' || how === 'replaced') && sessionId) listener.sessionTaken(sessionId, how);
      return;
    }
    const key = channel.slice(this.prefix.length + 2) as ChannelKey;
    if (message[0] === WATCH) {
      if (message.toString('utf8', 1) !== this.nodeId) this.lonely.delete(key);
      return;
    }
    if (message[0] === DATA) {
      const originLength = message[1] ?? 0;
      if (message.toString('utf8', 2, 2 + originLength) === this.nodeId) return;
      this.lonely.delete(key);
      listener.data(key, new Uint8Array(message.buffer, message.byteOffset + 2 + originLength, message.length - 2 - originLength));
      return;
    }
    if (message[0] !== EVENT) return;
    const text = message.toString('utf8', 1);
    const [seq, sessionId, origin] = text.split('|', 3);
    const frameText = text.slice(seq!.length + sessionId!.length + origin!.length + 3);
    let frame: ChannelEventFrame;
    try {
      frame = decodeServerFrame(frameText) as ChannelEventFrame;
    } catch (error) {
      this.log.error({ err: (error as Error).message }, 'bad event from redis dropped');
      return;
    }
    if (origin !== this.nodeId) this.lonely.delete(key);
    listener.channelEvent({ key, seq: Number(seq), sessionId: sessionId!, origin: origin!, frame });
  }
}

/** 'stream:epoch:seq' -> a position. */
function positionOf(text: string): { streamId: string; epoch: number; seq: number } {
  const [streamId = '', epoch = '0', seq = '0'] = text.split(':');
  return { streamId, epoch: Number(epoch), seq: Number(seq) };
}

function membersOf(flat: string[], exceptSessionId?: string): MemberSnapshot[] {
  const out: MemberSnapshot[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const member = memberOf(flat[i + 1]!);
    if (member.sessionId !== exceptSessionId) out.push({ uid: uidFromKey(flat[i]!), streams: member.streams });
  }
  return out;
}

/** A Redis URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

