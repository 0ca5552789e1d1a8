/**
 * In-memory ChannelStore: the embedded default, for a single node. Operations complete at once
 * and emit their channel events synchronously, before they return.
 */
import { streamKey, uidKey } from '../src/keys.js';
import type { Uid } from '../src/types.js';
import type { PeerLeaveReason } from '../src/wire-words.js';
import { diffStreams, leaveEvents } from './store-rules.js';
import { StreamBuffer } from './stream-buffer.js';
import {
  DEFAULT_BUFFER_BOUNDS,
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
  type StoreOptions,
} from './store.js';

interface Member {
  uid: Uid;
  sessionId: string;
  /** Replaced, never changed in place: members without streams (most) share NO_STREAMS. */
  streams: readonly string[];
}

const NO_STREAMS: readonly string[] = Object.freeze([]);
const streamList = (streams: string[]): readonly string[] => (streams.length > 0 ? streams : NO_STREAMS);

interface Channel {
  members: Map<string, Member>;
}

/** A stream's kept messages; a stream that timed out keeps them until `expiresAt`. */
interface Kept {
  buffer: StreamBuffer;
  expiresAt: number | null;
}

export class MemoryChannelStore implements ChannelStore {
  private readonly channels = new Map<ChannelKey, Channel>();
  private readonly kept = new Map<string, Kept>();
  private readonly bounds: BufferBounds;
  private sweeper: NodeJS.Timeout | undefined;
  /** One counter for every channel's events: seqs only grow. */
  private seq = 0;
  private nodeId = '';
  private listener: StoreListener | null = null;
  readonly health: StoreHealth = { ok: true };
  readonly durable = false;

  constructor(options: StoreOptions = {}) {
    this.bounds = options.buffer ?? DEFAULT_BUFFER_BOUNDS;
  }

  async open(nodeId: string, listener: StoreListener): Promise<void> {
    this.nodeId = nodeId;
    this.listener = listener;
    // Streams that went quiet keep their messages for the window only.
    this.sweeper = setInterval(() => this.sweep(Date.now()), Math.max(1000, this.bounds.windowMs));
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    this.listener = null;
    clearInterval(this.sweeper);
  }

  async watch(): Promise<void> {
    // One node: every event is delivered.
  }

  unwatch(): void {}

  async join(request: JoinRequest): Promise<JoinResult> {
    const { key, uid } = request;
    let channel = this.channels.get(key);
    const current = channel?.members.get(uidKey(uid));
    let outcome: 'fresh' | 'resumed' | 'replaced';
    if (!current) {
      if ((channel?.members.size ?? 0) >= request.maxMembers) return { outcome: 'full' };
      outcome = 'fresh';
    } else if (request.resumeSessionId !== undefined && current.sessionId === request.resumeSessionId) {
      outcome = 'resumed';
    } else if (request.assigned) {
      return { outcome: 'taken' };
    } else {
      outcome = 'replaced';
    }
    if (!channel) this.channels.set(key, (channel = { members: new Map() }));
    const sessionId = outcome === 'resumed' ? current!.sessionId : request.newSessionId;
    const member: Member = { uid, sessionId, streams: current?.streams ?? NO_STREAMS };
    channel.members.set(uidKey(uid), member);
    if (outcome === 'fresh') this.emit(key, sessionId, { type: 'peer-online', uid });
    const { removed, added, streams } = diffStreams(member.streams, request.streams);
    member.streams = streamList(streams);
    for (const streamId of removed) this.emit(key, sessionId, { type: 'stream-removed', uid, streamId, reason: 'UNPUBLISHED' });
    for (const streamId of added) this.emit(key, sessionId, { type: 'stream-added', uid, streamId });
    for (const streamId of removed) this.kept.delete(keptKey(key, uid, streamId));
    const published: { streamId: string; epoch: number; seq: number }[] = [];
    for (const streamId of streams) {
      const kept = this.kept.get(keptKey(key, uid, streamId));
      if (!kept) continue;
      kept.expiresAt = null; // published again: its messages stay
      const last = kept.buffer.last;
      if (last) published.push({ streamId, ...last });
    }
    return {
      published,
      outcome,
      sessionId,
      streams: [...streams],
      snapshot: snapshotOf(channel, sessionId),
      seq: this.seq,
      previous: current ? { sessionId: current.sessionId, node: this.nodeId } : null,
    };
  }

  async leave(ref: MemberRef, reason: PeerLeaveReason): Promise<boolean> {
    const found = this.find(ref);
    if (!found) return false;
    const { channel, member } = found;
    for (const frame of leaveEvents(member.uid, member.streams, reason)) this.emit(ref.key, ref.sessionId, frame);
    // One who quit is gone with its messages; one who went silent may come back within the window.
    for (const streamId of member.streams) this.release(ref.key, ref.uid, streamId, reason === 'QUIT');
    channel.members.delete(uidKey(ref.uid));
    if (channel.members.size === 0) this.channels.delete(ref.key);
    return true;
  }

  async removeStreams(ref: MemberRef): Promise<boolean> {
    const found = this.find(ref);
    if (!found) return false;
    const { channel, member } = found;
    const streams = member.streams;
    member.streams = NO_STREAMS;
    for (const streamId of streams) this.emit(ref.key, ref.sessionId, { type: 'stream-removed', uid: ref.uid, streamId, reason: 'NO_DATA' });
    for (const streamId of streams) this.release(ref.key, ref.uid, streamId, false);
    return true;
  }

  async publish(ref: MemberRef, streamId: string, maxStreams: number): Promise<PublishResult> {
    const found = this.find(ref);
    if (!found) return 'gone';
    const { channel, member } = found;
    if (member.streams.includes(streamId)) return 'exists';
    if (member.streams.length >= maxStreams) return 'limit';
    member.streams = [...member.streams, streamId];
    this.emit(ref.key, ref.sessionId, { type: 'stream-added', uid: ref.uid, streamId });
    return 'added';
  }

  async unpublish(ref: MemberRef, streamId: string): Promise<'removed' | 'absent' | 'gone'> {
    const found = this.find(ref);
    if (!found) return 'gone';
    if (!found.member.streams.includes(streamId)) return 'absent';
    found.member.streams = streamList(found.member.streams.filter((s) => s !== streamId));
    this.emit(ref.key, ref.sessionId, { type: 'stream-removed', uid: ref.uid, streamId, reason: 'UNPUBLISHED' });
    this.release(ref.key, ref.uid, streamId, true);
    return 'removed';
  }

  async hasStream(key: ChannelKey, uid: Uid, streamId: string): Promise<boolean> {
    return this.channels.get(key)?.members.get(uidKey(uid))?.streams.includes(streamId) ?? false;
  }

  async snapshot(key: ChannelKey, exceptSessionId?: string): Promise<{ members: MemberSnapshot[]; seq: number }> {
    const channel = this.channels.get(key);
    return { members: channel ? snapshotOf(channel, exceptSessionId) : [], seq: this.seq };
  }

  async restore(ref: MemberRef, streams: readonly string[]): Promise<'ok' | 'lost'> {
    // One node never loses its store; this is here for the contract's sake.
    const found = this.find(ref);
    if (!found) return this.channels.get(ref.key)?.members.has(uidKey(ref.uid)) ? 'lost' : this.recreate(ref, streams);
    const { removed, added, streams: next } = diffStreams(found.member.streams, streams);
    found.member.streams = streamList(next);
    for (const streamId of removed) this.emit(ref.key, ref.sessionId, { type: 'stream-removed', uid: ref.uid, streamId, reason: 'NO_DATA' });
    for (const streamId of added) this.emit(ref.key, ref.sessionId, { type: 'stream-added', uid: ref.uid, streamId });
    return 'ok';
  }

  private async recreate(ref: MemberRef, streams: readonly string[]): Promise<'ok'> {
    await this.join({ key: ref.key, uid: ref.uid, assigned: false, newSessionId: ref.sessionId, streams, maxMembers: Infinity });
    return 'ok';
  }

  async ownedSessions(): Promise<MemberRef[]> {
    const out: MemberRef[] = [];
    for (const [key, channel] of this.channels) for (const m of channel.members.values()) out.push({ key, uid: m.uid, sessionId: m.sessionId });
    return out;
  }

  appendData(ref: MemberRef, streamId: string, message: BufferedMessage): void {
    // One node: nobody else to send it to; keep it for resumes.
    const k = keptKey(ref.key, ref.uid, streamId);
    let kept = this.kept.get(k);
    if (!kept) this.kept.set(k, (kept = { buffer: new StreamBuffer(this.bounds), expiresAt: null }));
    kept.buffer.append(message, Date.now());
  }

  async readData(key: ChannelKey, uid: Uid, streamId: string, epoch: number, seq: number): Promise<Replay | null> {
    const kept = this.kept.get(keptKey(key, uid, streamId));
    return kept ? kept.buffer.after(epoch, seq, Date.now()) : null;
  }

  /** Buffered messages and bytes across every stream (for stats and tests). */
  get buffered(): { messages: number; bytes: number } {
    let messages = 0;
    let bytes = 0;
    for (const { buffer } of this.kept.values()) {
      messages += buffer.size;
      bytes += buffer.sizeBytes;
    }
    return { messages, bytes };
  }

  /** A stream went away: its messages go now (`drop`), or after the window (it may come back). */
  private release(key: ChannelKey, uid: Uid, streamId: string, drop: boolean): void {
    const k = keptKey(key, uid, streamId);
    if (drop) this.kept.delete(k);
    else {
      const kept = this.kept.get(k);
      if (kept) kept.expiresAt = Date.now() + this.bounds.windowMs;
    }
  }

  private sweep(now: number): void {
    for (const [k, kept] of this.kept) {
      const empty = kept.buffer.trim(now);
      if ((kept.expiresAt !== null && kept.expiresAt <= now) || (empty && kept.expiresAt !== null)) this.kept.delete(k);
    }
  }

  private find(ref: MemberRef): { channel: Channel; member: Member } | undefined {
    const channel = this.channels.get(ref.key);
    const member = channel?.members.get(uidKey(ref.uid));
    return channel && member && member.sessionId === ref.sessionId ? { channel, member } : undefined;
  }

  private emit(key: ChannelKey, sessionId: string, frame: ChannelEventFrame): void {
    this.listener?.channelEvent({ key, seq: ++this.seq, sessionId, origin: this.nodeId, frame });
  }
}

function snapshotOf(channel: Channel, exceptSessionId: string | undefined): MemberSnapshot[] {
  const out: MemberSnapshot[] = [];
  for (const m of channel.members.values()) if (m.sessionId !== exceptSessionId) out.push({ uid: m.uid, streams: [...m.streams] });
  return out;
}

const keptKey = (key: ChannelKey, uid: Uid, streamId: string): string => `${key}\n${streamKey(uid, streamId)}`;
