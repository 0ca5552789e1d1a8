/**
 * In-memory ChannelStore: the embedded default, for a single node. Operations complete at once
 * and emit their channel events (and count changes) synchronously, before they return.
 *
 * A channel keeps its hosts and its audience apart: a snapshot lists the hosts only, and an
 * audience member's arrival or departure changes a count and nothing else (docs/behaviour.md,
 * Roles and large channels).
 */
import { sameAttributes } from '../src/validation.js';
import { uidKey } from '../src/keys.js';
import type { Uid } from '../src/types.js';
import type { ClientRole, PeerLeaveReason } from '../src/wire-words.js';
import { MemoryMessageLog } from './memory-message-log.js';
import { parseChannelKey } from './store.js';
import { diffStreams, leaveEvents } from './store-rules.js';
import {
  DEFAULT_BUFFER_BOUNDS,
  type Attributes,
  type ChannelCounts,
  type ChannelKey,
  type ChannelStore,
  type ChannelSummary,
  type MemberInfo,
  type MemberPage,
  type JoinRequest,
  type JoinResult,
  type MemberRef,
  type MemberSnapshot,
  type PublishResult,
  type QualityPair,
  type RoleLimits,
  type SetRoleResult,
  type StoreEventFrame,
  type StoreHealth,
  type StoreListener,
  type StoreOptions,
} from './store.js';

interface Member {
  uid: Uid;
  sessionId: string;
  role: ClientRole;
  /** Replaced, never changed in place: members without streams (most) share NO_STREAMS. */
  streams: readonly string[];
  attributes: Attributes;
  quality: QualityPair | null;
  /** When it first joined (epoch ms; a resume keeps it). */
  joinedAt: number;
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});
/** What peers are told of a host coming online: its attributes, when it has some. */
const onlineEntry = (member: Member): StoreEventFrame =>
  Object.keys(member.attributes).length > 0 ? { type: 'peer-online', uid: member.uid, attributes: member.attributes } : { type: 'peer-online', uid: member.uid };

const NO_STREAMS: readonly string[] = Object.freeze([]);
const streamList = (streams: string[]): readonly string[] => (streams.length > 0 ? streams : NO_STREAMS);

class Channel {
  readonly hosts = new Map<string, Member>();
  readonly audience = new Map<string, Member>();

  get empty(): boolean {
    return this.hosts.size === 0 && this.audience.size === 0;
  }

  get counts(): ChannelCounts {
    return { hosts: this.hosts.size, audience: this.audience.size };
  }

  get(uk: string): Member | undefined {
    return this.hosts.get(uk) ?? this.audience.get(uk);
  }

  /** Puts the member in its role's map (and out of the other one). */
  place(uk: string, member: Member): void {
    (member.role === 'host' ? this.audience : this.hosts).delete(uk);
    (member.role === 'host' ? this.hosts : this.audience).set(uk, member);
  }

  remove(uk: string): void {
    this.hosts.delete(uk);
    this.audience.delete(uk);
  }

  sizeOf(role: ClientRole): number {
    return role === 'host' ? this.hosts.size : this.audience.size;
  }
}

export class MemoryChannelStore implements ChannelStore {
  private readonly channels = new Map<ChannelKey, Channel>();
  /** Bans by channel key and uid key: when each ends (expired ones are dropped when read). */
  private readonly bans = new Map<string, number>();
  readonly messages: MemoryMessageLog;
  /** One counter for every channel's events and count changes: seqs only grow. */
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
    const uk = uidKey(uid);
    let channel = this.channels.get(key);
    const current = channel?.get(uk);
    let outcome: 'fresh' | 'resumed' | 'replaced';
    if (!current) {
      if ((channel?.sizeOf(request.role) ?? 0) >= limitOf(request.limits, request.role)) return { outcome: 'full', role: request.role };
      outcome = 'fresh';
    } else if (request.resumeSessionId !== undefined && current.sessionId === request.resumeSessionId) {
      outcome = 'resumed';
    } else if (request.assigned) {
      return { outcome: 'taken' };
    } else {
      outcome = 'replaced';
    }
    if (!channel) this.channels.set(key, (channel = new Channel()));
    // A resume or replacement that asks to become a host beyond the limit stays what it was.
    const role = current && current.role !== request.role && request.role === 'host' && channel.hosts.size >= request.limits.hosts ? current.role : request.role;
    const sessionId = outcome === 'resumed' ? current!.sessionId : request.newSessionId;
    const attributes = Object.keys(request.attributes).length > 0 ? request.attributes : NO_ATTRIBUTES;
    const member: Member = {
      uid,
      sessionId,
      role,
      streams: current?.role === 'host' ? current.streams : NO_STREAMS,
      attributes,
      quality: current?.quality ?? null,
      joinedAt: current?.joinedAt ?? Date.now(),
    };
    const wasHost = current?.role === 'host';
    if (role === 'audience' && wasHost) this.becomeAudience(key, member);
    if (role === 'host' && !wasHost) this.emit(key, sessionId, onlineEntry(member));
    if (role === 'host' && wasHost && !sameAttributes(current.attributes, attributes)) this.emit(key, sessionId, { type: 'attributes', uid, attributes });
    if (role === 'host') this.reconcileStreams(key, member, request.streams);
    channel.place(uk, member);
    if (!current || current.role !== role) this.countsChanged(key, channel);
    const published: { streamId: string; epoch: number; seq: number }[] = [];
    for (const streamId of member.streams) {
      const last = this.messages.keep(key, uid, streamId); // published again: its messages stay
      if (last) published.push({ streamId, ...last });
    }
    return {
      published,
      outcome,
      sessionId,
      role,
      streams: [...member.streams],
      snapshot: snapshotOf(channel, sessionId),
      seq: this.seq,
      counts: channel.counts,
      previous: current ? { sessionId: current.sessionId, node: this.nodeId } : null,
    };
  }

  async setRole(ref: MemberRef, role: ClientRole, limits: RoleLimits): Promise<SetRoleResult> {
    const found = this.find(ref);
    if (!found) return { outcome: 'gone' };
    const { channel, member } = found;
    if (member.role === role) return { outcome: 'same', counts: { ...channel.counts, seq: this.seq } };
    if (role === 'host' && channel.hosts.size >= limits.hosts) return { outcome: 'full' };
    if (role === 'audience') this.becomeAudience(ref.key, member);
    else this.emit(ref.key, ref.sessionId, onlineEntry(member));
    member.role = role;
    channel.place(uidKey(ref.uid), member);
    this.countsChanged(ref.key, channel);
    return { outcome: 'changed', counts: { ...channel.counts, seq: this.seq } };
  }

  async setAttributes(ref: MemberRef, attributes: Attributes): Promise<'ok' | 'gone'> {
    const found = this.find(ref);
    if (!found) return 'gone';
    const { member } = found;
    if (sameAttributes(member.attributes, attributes)) return 'ok';
    member.attributes = Object.keys(attributes).length > 0 ? attributes : NO_ATTRIBUTES;
    if (member.role === 'host') this.emit(ref.key, ref.sessionId, { type: 'attributes', uid: ref.uid, attributes: member.attributes });
    return 'ok';
  }

  async setQuality(ref: MemberRef, quality: QualityPair): Promise<'ok' | 'gone'> {
    const found = this.find(ref);
    if (!found) return 'gone';
    const { member } = found;
    member.quality = quality;
    if (member.role === 'host') this.emit(ref.key, ref.sessionId, { type: 'quality', uid: ref.uid, up: quality[0], down: quality[1] });
    return 'ok';
  }

  async leave(ref: MemberRef, reason: PeerLeaveReason): Promise<ChannelCounts | null> {
    const found = this.find(ref);
    if (!found) return null;
    const { channel, member } = found;
    if (member.role === 'host') for (const frame of leaveEvents(member.uid, member.streams, reason)) this.emit(ref.key, ref.sessionId, frame);
    // One who quit is gone with its messages; one who went silent may come back within the window.
    for (const streamId of member.streams) this.messages.release(ref.key, ref.uid, streamId, reason === 'QUIT' || reason === 'KICKED');
    channel.remove(uidKey(ref.uid));
    this.countsChanged(ref.key, channel);
    if (channel.empty) this.channels.delete(ref.key);
    return channel.counts;
  }

  async removeStreams(ref: MemberRef): Promise<boolean> {
    const found = this.find(ref);
    if (!found) return false;
    const { member } = found;
    const streams = member.streams;
    member.streams = NO_STREAMS;
    for (const streamId of streams) this.emit(ref.key, ref.sessionId, { type: 'stream-removed', uid: ref.uid, streamId, reason: 'NO_DATA' });
    for (const streamId of streams) this.messages.release(ref.key, ref.uid, streamId, false);
    return true;
  }

  async publish(ref: MemberRef, streamId: string, maxStreams: number): Promise<PublishResult> {
    const found = this.find(ref);
    if (!found) return 'gone';
    const { member } = found;
    if (member.role !== 'host') return 'audience';
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
    return this.channels.get(key)?.hosts.get(uidKey(uid))?.streams.includes(streamId) ?? false;
  }

  async snapshot(key: ChannelKey): Promise<{ members: MemberSnapshot[]; seq: number; counts: ChannelCounts }> {
    const channel = this.channels.get(key);
    return { members: channel ? snapshotOf(channel) : [], seq: this.seq, counts: channel?.counts ?? { hosts: 0, audience: 0 } };
  }

  async restore(ref: MemberRef, state: { role: ClientRole; streams: readonly string[]; attributes: Attributes }): Promise<'ok' | 'lost'> {
    // One node never loses its store; this is here for the contract's sake.
    const found = this.find(ref);
    if (!found) return this.channels.get(ref.key)?.get(uidKey(ref.uid)) ? 'lost' : this.recreate(ref, state);
    if (found.member.role !== 'host') return 'ok';
    const { removed, added, streams: next } = diffStreams(found.member.streams, state.streams);
    found.member.streams = streamList(next);
    for (const streamId of removed) this.emit(ref.key, ref.sessionId, { type: 'stream-removed', uid: ref.uid, streamId, reason: 'NO_DATA' });
    for (const streamId of added) this.emit(ref.key, ref.sessionId, { type: 'stream-added', uid: ref.uid, streamId });
    return 'ok';
  }

  private async recreate(ref: MemberRef, state: { role: ClientRole; streams: readonly string[]; attributes: Attributes }): Promise<'ok'> {
    const limits = { hosts: Infinity, audience: Infinity };
    await this.join({ key: ref.key, uid: ref.uid, assigned: false, newSessionId: ref.sessionId, ...state, limits });
    return 'ok';
  }

  async listChannels(appId: string): Promise<ChannelSummary[]> {
    return [...this.channels].flatMap(([key, channel]) => {
      const parsed = parseChannelKey(key);
      return parsed.appId === appId ? [{ channel: parsed.channel, ...channel.counts }] : [];
    });
  }

  async members(key: ChannelKey, role: ClientRole, limit: number, cursor: string | null): Promise<MemberPage> {
    const channel = this.channels.get(key);
    if (!channel) return { counts: { hosts: 0, audience: 0 }, members: [], next: null };
    const all = [...(role === 'host' ? channel.hosts : channel.audience).values()];
    // The cursor is an offset: a page may shift by the members who left meanwhile, as any live listing does.
    const from = role === 'host' ? 0 : Number(cursor ?? 0);
    const page = role === 'host' ? all : all.slice(from, from + limit);
    const next = role === 'host' || from + limit >= all.length ? null : String(from + limit);
    return { counts: channel.counts, members: page.map(infoOf), next };
  }

  async kick(key: ChannelKey, uid: Uid, message: string): Promise<boolean> {
    const member = this.channels.get(key)?.get(uidKey(uid));
    if (!member) return false;
    this.listener?.kick(member.sessionId, message);
    return true;
  }

  async ban(key: ChannelKey, uid: Uid, untilMs: number): Promise<void> {
    this.bans.set(`${key}\n${uidKey(uid)}`, untilMs);
  }

  async bannedUntil(key: ChannelKey, uid: Uid): Promise<number | null> {
    const id = `${key}\n${uidKey(uid)}`;
    const until = this.bans.get(id);
    if (until === undefined) return null;
    if (until > Date.now()) return until;
    this.bans.delete(id);
    return null;
  }

  async ownedSessions(covers: (key: ChannelKey) => boolean = () => true): Promise<MemberRef[]> {
    const out: MemberRef[] = [];
    for (const [key, channel] of this.channels) {
      if (!covers(key)) continue;
      for (const m of [...channel.hosts.values(), ...channel.audience.values()]) out.push({ key, uid: m.uid, sessionId: m.sessionId });
    }
    return out;
  }

  /** A host becomes an audience member: its streams go (UNPUBLISHED, with their messages), then its peers see it leave. */
  private becomeAudience(key: ChannelKey, member: Member): void {
    for (const streamId of member.streams) {
      this.emit(key, member.sessionId, { type: 'stream-removed', uid: member.uid, streamId, reason: 'UNPUBLISHED' });
      this.messages.release(key, member.uid, streamId, true);
    }
    member.streams = NO_STREAMS;
    this.emit(key, member.sessionId, { type: 'peer-leave', uid: member.uid, reason: 'BECOME_AUDIENCE' });
  }

  /** Sets a host's streams to `wanted`: what goes is UNPUBLISHED (with its messages), what comes is added. */
  private reconcileStreams(key: ChannelKey, member: Member, wanted: readonly string[]): void {
    const { removed, added, streams } = diffStreams(member.streams, wanted);
    member.streams = streamList(streams);
    for (const streamId of removed) this.emit(key, member.sessionId, { type: 'stream-removed', uid: member.uid, streamId, reason: 'UNPUBLISHED' });
    for (const streamId of added) this.emit(key, member.sessionId, { type: 'stream-added', uid: member.uid, streamId });
    for (const streamId of removed) this.messages.release(key, member.uid, streamId, true);
  }

  private find(ref: MemberRef): { channel: Channel; member: Member } | undefined {
    const channel = this.channels.get(ref.key);
    const member = channel?.get(uidKey(ref.uid));
    return channel && member && member.sessionId === ref.sessionId ? { channel, member } : undefined;
  }

  private emit(key: ChannelKey, sessionId: string, frame: StoreEventFrame): void {
    this.listener?.storeEvent({ key, seq: ++this.seq, sessionId, origin: this.nodeId, frame });
  }

  private countsChanged(key: ChannelKey, channel: Channel): void {
    this.listener?.counts(key, { ...channel.counts, seq: ++this.seq });
  }
}

const limitOf = (limits: RoleLimits, role: ClientRole): number => (role === 'host' ? limits.hosts : limits.audience);

/** Every host of the channel, or all but the session `except` (a joiner is not its own peer). */
function snapshotOf(channel: Channel, except?: string): MemberSnapshot[] {
  const out: MemberSnapshot[] = [];
  for (const m of channel.hosts.values()) if (m.sessionId !== except) out.push(snapshotOfMember(m));
  return out;
}

function infoOf(m: Member): MemberInfo {
  return { uid: m.uid, role: m.role, attributes: m.attributes, streams: [...m.streams], quality: m.quality, joinedAt: m.joinedAt };
}

function snapshotOfMember(m: Member): MemberSnapshot {
  const snapshot: MemberSnapshot = { uid: m.uid, streams: [...m.streams] };
  if (Object.keys(m.attributes).length > 0) snapshot.attributes = m.attributes;
  if (m.quality) snapshot.quality = m.quality;
  return snapshot;
}
