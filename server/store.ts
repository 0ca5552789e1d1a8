/**
 * Channel state shared by every node of a cluster, behind one asynchronous interface with two
 * implementations: in memory (one node, the default) and Redis (cluster/redis-store.ts).
 *
 * The store holds members (one session per uid per channel, owned by one node) and their
 * streams. Every change is one atomic operation that also emits the resulting channel events,
 * numbered by the channel's own growing counter (`seq`), to every node with members in that channel. What stays on the
 * node that holds the socket: the socket, liveness and token timers, and subscriptions (see
 * session-registry.ts): idle clients cost the store nothing.
 */
import type { WebhookDeliveryOptions, WebhookSink } from './webhook-delivery.js';
import type { PresenceEntry } from '../src/protocol.js';
import type { Uid } from '../src/types.js';
import type { ClientRole, PeerLeaveReason } from '../src/wire-words.js';
import type { MessageLog } from './message-log.js';
import type { BufferBounds, BufferedMessage, Replay } from './stream-buffer.js';

export type { BufferBounds, BufferedMessage, Replay };

/** Opaque key of one channel of one app (apps and channels are isolated from each other). */
export type ChannelKey = string & { readonly __brand: 'ChannelKey' };

export function channelKey(appId: string, channel: string): ChannelKey {
  // JSON of a pair is unambiguous whatever characters appId and channel contain.
  return JSON.stringify([appId, channel]) as ChannelKey;
}

/** The app id and channel name a key stands for. */
export function parseChannelKey(key: ChannelKey): { appId: string; channel: string } {
  const [appId, channel] = JSON.parse(key) as [string, string];
  return { appId, channel };
}

/** One member of one channel: its session, and the node that owns the session. */
export interface MemberRef {
  readonly key: ChannelKey;
  readonly uid: Uid;
  readonly sessionId: string;
}

/** A member's identity on its own, so that keeping it does not keep the larger object it came from. */
export const memberRef = ({ key, uid, sessionId }: MemberRef): MemberRef => ({ key, uid, sessionId });

/** A member's attributes: string keys, string values (docs/api.md, Attributes). */
export type Attributes = Readonly<Record<string, string>>;

/** A host's quality as it reports it: [uplink, downlink], each 0..6. */
export type QualityPair = [number, number];

export interface MemberSnapshot {
  uid: Uid;
  streams: string[];
  /** Left out while empty. */
  attributes?: Attributes;
  /** Left out while unknown. */
  quality?: QualityPair;
}

/** What members of a channel are told, in the channel's order: a change of its hosts (audience members are never announced). */
export type StoreEventFrame = PresenceEntry;

/** The channel's members by role. */
export interface ChannelCounts {
  hosts: number;
  audience: number;
}

/** Counts as of an event seq of the store: of two, the one with the higher seq is the newer. */
export interface CountsAt extends ChannelCounts {
  seq: number;
}

/** How many members of each role a channel admits. */
export interface RoleLimits {
  hosts: number;
  audience: number;
}

export interface StoreEvent {
  readonly key: ChannelKey;
  /** Increases with every event of the store: it orders the events of each channel. */
  readonly seq: number;
  /** The session the event is about: its own socket does not get it. */
  readonly sessionId: string;
  /** The node whose operation caused it. */
  readonly origin: string;
  readonly frame: StoreEventFrame;
}

export interface JoinRequest {
  key: ChannelKey;
  /** The uid to join as (the node picks one when the client asked the server to assign it). */
  uid: Uid;
  /** The uid was picked by the node: if taken, answer `taken` rather than replacing its member. */
  assigned: boolean;
  /** Present when the client asks to resume this session. */
  resumeSessionId?: string;
  /** The session id for a fresh member or a uid replacement. */
  newSessionId: string;
  /** The role it joins as (a resume or replacement may change it). */
  role: ClientRole;
  /** The streams the member publishes from now on (the others are removed as UNPUBLISHED); an audience member publishes none. */
  streams: readonly string[];
  /** Its attributes from now on (a resume that brings others tells the peers). */
  attributes: Attributes;
  /** A fresh member beyond its role's count is refused; a resume into host beyond it stays audience. */
  limits: RoleLimits;
}

export type JoinResult =
  | {
      outcome: 'fresh' | 'resumed' | 'replaced';
      sessionId: string;
      streams: string[];
      /** Every other member, as of `seq`. */
      snapshot: MemberSnapshot[];
      /** The store's event seq after this join: the snapshot includes every event up to it. */
      seq: number;
      /** The session this join took over (resume or uid replacement), and the node that owned it. */
      previous: { sessionId: string; node: string } | null;
      /** The newest message the store holds of each of the member's streams (the publisher resends what came after). */
      published: { streamId: string; epoch: number; seq: number }[];
      /** The role applied: the one asked for, unless a resume into host found the hosts full. */
      role: ClientRole;
      /** The channel's counts after this join (as of `seq`). */
      counts: ChannelCounts;
    }
  | { outcome: 'full'; role: ClientRole }
  | { outcome: 'taken' };

/** `audience`: an audience member publishes nothing. */
export type PublishResult = 'added' | 'exists' | 'limit' | 'gone' | 'audience';

export type SetRoleResult = { outcome: 'changed' | 'same'; counts: CountsAt } | { outcome: 'full' | 'gone' };

/** A session of a dead node that this node now owns. */
export interface AdoptedSession extends MemberRef {
  role: ClientRole;
  streams: string[];
  attributes: Attributes;
  /** How long ago its node was last heard from: the session's silence starts then. */
  silentForMs: number;
}

/** What a store is told at construction: how much of each stream it keeps. */
export interface StoreOptions {
  buffer?: BufferBounds;
}

export const DEFAULT_BUFFER_BOUNDS: BufferBounds = { windowMs: 10_000, maxMessages: 10_000, maxBytes: 1024 * 1024 };

/** What a store tells the node it runs on. */
export interface StoreListener {
  /** A channel event, in the channel's seq order (every node with members in the channel gets it). */
  storeEvent(event: StoreEvent): void;
  /** The channel's counts changed (on this node or another); a newer `seq` supersedes an older one. */
  counts(key: ChannelKey, counts: CountsAt): void;
  /** A stream data frame (already encoded for clients) published by a member on another node. */
  data(key: ChannelKey, frame: Uint8Array): void;
  /** A session of this node was taken over on another node: resumed there, or its uid joined there. */
  sessionTaken(sessionId: string, how: 'resumed' | 'replaced'): void;
  /** Sessions of a dead node that this node now owns, as if their sockets were lost. */
  adopted(sessions: AdoptedSession[]): void;
  /**
   * The store came back after an outage: re-register every local session, resync every channel;
   * with `covers`, only the channels it selects (one shard of a Redis Cluster came back).
   */
  reconnected(covers?: (key: ChannelKey) => boolean): void;
  /** The server API kicked a member whose session this node owns: end it (KICKED). */
  kick(sessionId: string, message: string): void;
}

/** A channel as the server API lists it. */
export interface ChannelSummary {
  channel: string;
  hosts: number;
  audience: number;
}

/** A member as the server API lists it. */
export interface MemberInfo {
  uid: Uid;
  role: ClientRole;
  attributes: Attributes;
  streams: string[];
  /** Left null while unknown. */
  quality: QualityPair | null;
  /** When it first joined (epoch ms; a resume keeps it). */
  joinedAt: number;
}

/** A page of a channel's members of one role: `next` is the cursor of the following page, null after the last. */
export interface MemberPage {
  counts: ChannelCounts;
  members: MemberInfo[];
  next: string | null;
}

/**
 * The operator's side of the store (the server API: docs/backend.md, Server API): it reads the
 * whole cluster's state, and reaches the node that owns a member.
 */
export interface ChannelAdmin {
  /** The app's channels that have members, with their counts. */
  listChannels(appId: string): Promise<ChannelSummary[]>;
  /** The channel's hosts (all of them), or a page of its audience from `cursor` (null: the first). */
  members(key: ChannelKey, role: ClientRole, limit: number, cursor: string | null): Promise<MemberPage>;
  /** Has the node that owns the member end its session (its listener's `kick`); false if there is no such member. */
  kick(key: ChannelKey, uid: Uid, message: string): Promise<boolean>;
  /** The uid's joins of the channel are refused until `untilMs` (epoch ms). */
  ban(key: ChannelKey, uid: Uid, untilMs: number): Promise<void>;
  /** When the uid's ban of the channel ends, or null when it is not banned. */
  bannedUntil(key: ChannelKey, uid: Uid): Promise<number | null>;
}

export interface StoreHealth {
  ok: boolean;
  /** Why not, for /healthz and the logs. */
  reason?: string;
}

/** Thrown by store operations while the store cannot be reached. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export interface ChannelStore extends ChannelAdmin {
  /** Whether the state outlives this process (false: a restarted node starts empty). */
  readonly durable: boolean;
  /** Starts the store for this node; `listener` receives what concerns the node. */
  open(nodeId: string, listener: StoreListener): Promise<void>;
  /** Stops it. With `graceful`, this node's sessions are handed to the surviving nodes at once. */
  close(graceful: boolean): Promise<void>;
  /** Webhook queues the cluster shares (a store that outlives its nodes); absent: each node queues in memory. */
  webhookSink?(options: WebhookDeliveryOptions, nodeId: string): WebhookSink;
  readonly health: StoreHealth;
  /**
   * The node has (or is about to have) members in the channel: deliver its events from now on.
   * Resolves once they will be delivered, so a snapshot read afterwards misses nothing.
   */
  watch(key: ChannelKey): Promise<void>;
  /** The node has no members in the channel any more. */
  unwatch(key: ChannelKey): void;

  /** A fresh member, a resume, or a uid replacement, with the member's role and streams set as asked. */
  join(request: JoinRequest): Promise<JoinResult>;
  /**
   * Makes the member a host (peers see `peer-online`; refused with `full` beyond the hosts' limit)
   * or an audience member (its streams go as UNPUBLISHED, then peers see `peer-leave` BECOME_AUDIENCE).
   */
  setRole(member: MemberRef, role: ClientRole, limits: RoleLimits): Promise<SetRoleResult>;
  /** Replaces the member's attributes (a host's peers are told); 'gone' if this node no longer owns the session. */
  setAttributes(member: MemberRef, attributes: Attributes): Promise<'ok' | 'gone'>;
  /** Records a host's quality and tells its peers; 'gone' if this node no longer owns the session. */
  setQuality(member: MemberRef, quality: QualityPair): Promise<'ok' | 'gone'>;
  /** Removes the member and its streams, if this node still owns that session: the channel's counts after, or null if it was not this node's. */
  leave(member: MemberRef, reason: PeerLeaveReason): Promise<ChannelCounts | null>;
  /** Removes every stream of the member (NO_DATA), if this node still owns that session. */
  removeStreams(member: MemberRef): Promise<boolean>;
  publish(member: MemberRef, streamId: string, maxStreams: number): Promise<PublishResult>;
  /** 'absent': the member does not publish it; 'gone': this node no longer owns the session. */
  unpublish(member: MemberRef, streamId: string): Promise<'removed' | 'absent' | 'gone'>;
  hasStream(key: ChannelKey, uid: Uid, streamId: string): Promise<boolean>;
  /** Every host of the channel, and the counts, as of `seq`. */
  snapshot(key: ChannelKey): Promise<{ members: MemberSnapshot[]; seq: number; counts: ChannelCounts }>;
  /**
   * Makes the store agree with a session this node holds (after an outage): `ok` (the member is
   * there again, owned by this node, with these streams; streams it no longer has go as NO_DATA),
   * or `lost` when its uid belongs to another session now, or (`connected` false) when another
   * node has taken the session over meanwhile.
   */
  restore(member: MemberRef, state: { role: ClientRole; streams: readonly string[]; attributes: Attributes }, connected: boolean): Promise<'ok' | 'lost'>;
  /** The sessions the store thinks this node owns (in the channels `covers` selects, by default all). */
  ownedSessions(covers?: (key: ChannelKey) => boolean): Promise<MemberRef[]>;
  /** The recent messages of the channels' streams (its own seam: message-log.ts); the store keeps them alive with their streams. */
  readonly messages: MessageLog;
}
