/**
 * In-memory ChannelStore: the embedded default, for a single node. Operations complete at once
 * and emit their channel events synchronously, before they return.
 */
import { uidKey } from '../src/keys.js';
import type { Uid } from '../src/types.js';
import type { PeerLeaveReason } from '../src/wire-words.js';
import { MemoryMessageLog } from './memory-message-log.js';
import { diffStreams, leaveEvents } from './store-rules.js';
import {
  DEFAULT_BUFFER_BOUNDS,
  type StoreEventFrame,
  type ChannelKey,
  type ChannelStore,
  type JoinRequest,
  type JoinResult,
  type MemberRef,
  type MemberSnapshot,
  type PublishResult,
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

export class MemoryChannelStore implements ChannelStore {
  private readonly channels = new Map<ChannelKey, Channel>();
  readonly messages: MemoryMessageLog;
  /** One counter for every channel's events: seqs only grow. */
  private seq = 0;
  private nodeId = '';
  private listener: StoreListener | null = null;
  readonly health: StoreHealth = { ok: true };
  readonly durable = false;

  constructor(options: StoreOptions = {}) {
    this.messages = new MemoryMessageLog(options.buffer ?? DEFAULT_BUFFER_BOUNDS);
  }

  async open(nodeId: string, listener: StoreListener): Promise<void> {
    this.nodeId = nodeId;
    this.listener = listener;
    this.messages.open();
  }

  async close(): Promise<void> {
    this.listener = null;
    this.messages.close();
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
    for (const streamId of removed) this.messages.release(key, uid, streamId, true);
    const published: { streamId: string; epoch: number; seq: number }[] = [];
    for (const streamId of streams) {
      const last = this.messages.keep(key, uid, streamId); // published again: its messages stay
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
    for (const streamId of member.streams) this.messages.release(ref.key, ref.uid, streamId, reason === 'QUIT');
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
    for (const streamId of streams) this.messages.release(ref.key, ref.uid, streamId, false);
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
    this.messages.release(ref.key, ref.uid, streamId, true);
    return 'removed';
  }

  async hasStream(key: ChannelKey, uid: Uid, streamId: string): Promise<boolean> {
    return this.channels.get(key)?.members.get(uidKey(uid))?.streams.includes(streamId) ?? false;
  }

  async snapshot(key: ChannelKey): Promise<{ members: MemberSnapshot[]; seq: number }> {
    const channel = this.channels.get(key);
    return { members: channel ? snapshotOf(channel) : [], seq: this.seq };
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

  private find(ref: MemberRef): { channel: Channel; member: Member } | undefined {
    const channel = this.channels.get(ref.key);
    const member = channel?.members.get(uidKey(ref.uid));
    return channel && member && member.sessionId === ref.sessionId ? { channel, member } : undefined;
  }

  private emit(key: ChannelKey, sessionId: string, frame: StoreEventFrame): void {
    this.listener?.storeEvent({ key, seq: ++this.seq, sessionId, origin: this.nodeId, frame });
  }
}

/** Every member of the channel, or all but the session `except` (a joiner is not its own peer). */
function snapshotOf(channel: Channel, except?: string): MemberSnapshot[] {
  const out: MemberSnapshot[] = [];
  for (const m of channel.members.values()) if (m.sessionId !== except) out.push({ uid: m.uid, streams: [...m.streams] });
  return out;
}
