/** In-memory ChannelStore: the default, for a single server node. */
import { streamKey, uidKey } from '../src/keys.js';
import type { Uid } from '../src/types.js';
import {
  channelKey,
  type ChannelKey,
  type ChannelStore,
  type MemberSnapshot,
  type NewSession,
  type SessionView,
  type StoreStats,
  type StreamRef,
} from './store.js';

class SessionRecord implements SessionView {
  readonly key: ChannelKey;
  readonly streamSet = new Set<string>();
  /** Keys (streamKey) of the streams this session subscribes to. */
  readonly subscriptions = new Set<string>();

  constructor(
    public sessionId: string,
    readonly appId: string,
    readonly channel: string,
    readonly uid: Uid,
  ) {
    this.key = channelKey(appId, channel);
  }

  get streams(): readonly string[] {
    return [...this.streamSet];
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }
}

class ChannelRecord {
  /** uidKey -> session */
  readonly members = new Map<string, SessionRecord>();
  /** refKey -> subscribed session ids */
  readonly subscribers = new Map<string, Set<string>>();
}

const EMPTY: readonly string[] = Object.freeze([]);

export class MemoryChannelStore implements ChannelStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly channels = new Map<ChannelKey, ChannelRecord>();
  private streamCount = 0;

  getSession(sessionId: string): SessionView | undefined {
    return this.sessions.get(sessionId);
  }

  findMember(key: ChannelKey, uid: Uid): SessionView | undefined {
    return this.channels.get(key)?.members.get(uidKey(uid));
  }

  createSession(init: NewSession): SessionView {
    if (this.sessions.has(init.sessionId)) throw new Error(`session ${init.sessionId} already exists`);
    const record = new SessionRecord(init.sessionId, init.appId, init.channel, init.uid);
    let channel = this.channels.get(record.key);
    if (!channel) {
      channel = new ChannelRecord();
      this.channels.set(record.key, channel);
    }
    const k = uidKey(init.uid);
    if (channel.members.has(k)) throw new Error(`uid ${String(init.uid)} is already a member`);
    channel.members.set(k, record);
    this.sessions.set(record.sessionId, record);
    return record;
  }

  transferSession(oldSessionId: string, newSessionId: string): SessionView {
    const record = this.require(oldSessionId);
    if (this.sessions.has(newSessionId)) throw new Error(`session ${newSessionId} already exists`);
    this.clearSubscriptions(record);
    this.sessions.delete(oldSessionId);
    record.sessionId = newSessionId;
    this.sessions.set(newSessionId, record);
    return record;
  }

  deleteSession(sessionId: string): SessionView | undefined {
    const record = this.sessions.get(sessionId);
    if (!record) return undefined;
    for (const streamId of [...record.streamSet]) this.removeStream(sessionId, streamId);
    this.clearSubscriptions(record);
    this.sessions.delete(sessionId);
    const channel = this.channels.get(record.key);
    if (channel) {
      channel.members.delete(uidKey(record.uid));
      if (channel.members.size === 0) this.channels.delete(record.key);
    }
    return record;
  }

  memberCount(key: ChannelKey): number {
    return this.channels.get(key)?.members.size ?? 0;
  }

  snapshot(key: ChannelKey, exceptSessionId?: string): MemberSnapshot[] {
    const channel = this.channels.get(key);
    if (!channel) return [];
    const out: MemberSnapshot[] = [];
    for (const member of channel.members.values()) {
      if (member.sessionId !== exceptSessionId) out.push({ uid: member.uid, streams: member.streams.slice() });
    }
    return out;
  }

  addStream(sessionId: string, streamId: string): boolean {
    const record = this.require(sessionId);
    if (record.streamSet.has(streamId)) return false;
    record.streamSet.add(streamId);
    this.streamCount++;
    return true;
  }

  removeStream(sessionId: string, streamId: string): boolean {
    const record = this.require(sessionId);
    if (!record.streamSet.delete(streamId)) return false;
    this.streamCount--;
    const channel = this.channels.get(record.key);
    const k = streamKey(record.uid, streamId);
    const subscribers = channel?.subscribers.get(k);
    if (channel && subscribers) {
      for (const id of subscribers) this.sessions.get(id)?.subscriptions.delete(k);
      channel.subscribers.delete(k);
    }
    return true;
  }

  hasStream(key: ChannelKey, uid: Uid, streamId: string): boolean {
    return this.channels.get(key)?.members.get(uidKey(uid))?.streamSet.has(streamId) ?? false;
  }

  setSubscriptions(sessionId: string, refs: readonly StreamRef[]): void {
    const record = this.require(sessionId);
    this.clearSubscriptions(record);
    for (const ref of refs) this.subscribe(sessionId, ref);
  }

  subscribe(sessionId: string, ref: StreamRef): boolean {
    const record = this.require(sessionId);
    const k = streamKey(ref.uid, ref.streamId);
    if (record.subscriptions.has(k)) return false;
    record.subscriptions.add(k);
    const channel = this.channels.get(record.key)!;
    let set = channel.subscribers.get(k);
    if (!set) {
      set = new Set();
      channel.subscribers.set(k, set);
    }
    set.add(sessionId);
    return true;
  }

  unsubscribe(sessionId: string, ref: StreamRef): boolean {
    const record = this.require(sessionId);
    const k = streamKey(ref.uid, ref.streamId);
    if (!record.subscriptions.delete(k)) return false;
    this.dropSubscriber(record.key, k, sessionId);
    return true;
  }

  memberSessionIds(key: ChannelKey): Iterable<string> {
    const channel = this.channels.get(key);
    if (!channel) return EMPTY;
    return Array.from(channel.members.values(), (m) => m.sessionId);
  }

  subscriberSessionIds(key: ChannelKey, uid: Uid, streamId: string): Iterable<string> {
    return this.channels.get(key)?.subscribers.get(streamKey(uid, streamId)) ?? EMPTY;
  }

  stats(): StoreStats {
    return { members: this.sessions.size, channels: this.channels.size, streams: this.streamCount };
  }

  private require(sessionId: string): SessionRecord {
    const record = this.sessions.get(sessionId);
    if (!record) throw new Error(`unknown session ${sessionId}`);
    return record;
  }

  private clearSubscriptions(record: SessionRecord): void {
    for (const k of record.subscriptions) this.dropSubscriber(record.key, k, record.sessionId);
    record.subscriptions.clear();
  }

  private dropSubscriber(key: ChannelKey, k: string, sessionId: string): void {
    const channel = this.channels.get(key);
    const set = channel?.subscribers.get(k);
    if (!channel || !set) return;
    set.delete(sessionId);
    if (set.size === 0) channel.subscribers.delete(k);
  }
}
