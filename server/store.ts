/**
 * Channel state behind a small interface: members (one session per uid per channel), their
 * streams, subscriptions and the fan-out targets derived from them. The protocol code only talks
 * to this interface, so a shared store (several server nodes) can replace the in-memory one.
 *
 * What is deliberately NOT in the store: sockets and liveness timers. Those belong to the node
 * that holds the socket (see socket-registry.ts and presence-timeouts.ts).
 */
import type { Uid } from '../src/types.js';

/** Opaque key of one channel of one app (apps and channels are isolated from each other). */
export type ChannelKey = string & { readonly __brand: 'ChannelKey' };

export function channelKey(appId: string, channel: string): ChannelKey {
  // JSON of a pair is unambiguous whatever characters appId and channel contain.
  return JSON.stringify([appId, channel]) as ChannelKey;
}

export interface StreamRef {
  readonly uid: Uid;
  readonly streamId: string;
}

/** Read-only view of one session (= one member of one channel). */
export interface SessionView {
  readonly sessionId: string;
  readonly key: ChannelKey;
  readonly appId: string;
  readonly channel: string;
  readonly uid: Uid;
  /** Streams this member publishes, in publication order. */
  readonly streams: readonly string[];
  readonly subscriptionCount: number;
}

export interface NewSession {
  sessionId: string;
  appId: string;
  channel: string;
  uid: Uid;
}

export interface MemberSnapshot {
  uid: Uid;
  streams: string[];
}

export interface StoreStats {
  /** Members across all channels (each member is one session). */
  members: number;
  /** Channels with at least one member. */
  channels: number;
  /** Published streams across all channels. */
  streams: number;
}

export interface ChannelStore {
  // ---- members / sessions ----
  getSession(sessionId: string): SessionView | undefined;
  /** The session that holds `uid` in the channel, if any. */
  findMember(key: ChannelKey, uid: Uid): SessionView | undefined;
  /** Adds a member with no streams and no subscriptions. Throws if the uid is already present. */
  createSession(init: NewSession): SessionView;
  /**
   * Hands a member over to a new session id (uid replacement): streams, and other members'
   * subscriptions to them, carry over; the member's own subscriptions are cleared.
   */
  transferSession(oldSessionId: string, newSessionId: string): SessionView;
  /**
   * Removes a member with its own subscriptions. Streams still published are dropped silently
   * (the protocol code removes them first with removeStream so that peers are told).
   */
  deleteSession(sessionId: string): SessionView | undefined;
  /** Members of the channel (0 for a channel nobody is in). */
  memberCount(key: ChannelKey): number;
  /** Every member of the channel but `exceptSessionId`, with its streams. */
  snapshot(key: ChannelKey, exceptSessionId?: string): MemberSnapshot[];

  // ---- streams ----
  /** Returns false if the stream was already published (idempotent). */
  addStream(sessionId: string, streamId: string): boolean;
  /** Removes the stream and every subscription to it. Returns false if it was not published. */
  removeStream(sessionId: string, streamId: string): boolean;
  /** Whether `uid` publishes `streamId` in the channel. */
  hasStream(key: ChannelKey, uid: Uid, streamId: string): boolean;

  // ---- subscriptions ----
  /** Replaces the session's subscriptions (the join frame is the client's truth). */
  setSubscriptions(sessionId: string, refs: readonly StreamRef[]): void;
  /** Returns false if it was already subscribed. */
  subscribe(sessionId: string, ref: StreamRef): boolean;
  /** Returns false if it was not subscribed. */
  unsubscribe(sessionId: string, ref: StreamRef): boolean;

  // ---- fan-out targets ----
  /** Session ids of every member of the channel (event fan-out). */
  memberSessionIds(key: ChannelKey): Iterable<string>;
  /** Session ids subscribed to (uid, streamId) in the channel (data fan-out; hot path, no copy). */
  subscriberSessionIds(key: ChannelKey, uid: Uid, streamId: string): Iterable<string>;

  stats(): StoreStats;
}
