/** Public types shared by the main thread, the worker and the server. */
import type { ClientRole, PeerLeaveReason, StreamRemovedReason } from './wire-words.js';

export type { ClientRole, PeerLeaveReason, StreamRemovedReason };

export type Uid = number | string;

export const CONNECTION_STATES = ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'DISCONNECTING'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** Numeric codes of the seed SDK, for apps that store or log states as numbers. */
export const ConnectionStateCode = {
  DISCONNECTED: 1,
  CONNECTING: 2,
  CONNECTED: 3,
  DISCONNECTING: 4,
} as const satisfies Record<ConnectionState, number>;

export type ConnectionChangeReason =
  | 'JOIN'
  | 'JOINED'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'RECONNECTED'
  | 'LEAVE'
  | 'UID_BANNED'
  | 'TOKEN_EXPIRE'
  | 'SERVER_ERROR'
  | 'INVALID_TOKEN'
  | 'KICKED';

export interface ConnectionStateChange {
  curState: ConnectionState;
  prevState: ConnectionState;
  reason: ConnectionChangeReason;
}

/** A member's attributes: string keys and string values (docs/api.md, Attributes). */
export type Attributes = Readonly<Record<string, string>>;

/**
 * A score on Agora's scale: 0 unknown, 1 excellent, 2 good, 3 poor, 4 bad, 5 very bad, 6 down
 * (docs/behaviour.md, Network quality).
 */
export type QualityLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** The quality of a member's link, each direction on the 0..6 scale. */
export interface NetworkQuality {
  /** Client to server, as the server sees the client's heartbeats arrive. */
  readonly uplinkNetworkQuality: QualityLevel;
  /** Server to client, from the heartbeat echoes (round-trip time, jitter, echoes missing). */
  readonly downlinkNetworkQuality: QualityLevel;
}

export interface Peer {
  readonly uid: Uid;
  readonly streams: ReadonlySet<string>;
  /** The peer's attributes (empty if it set none). */
  readonly attributes: Attributes;
  /** The peer's link quality as it last shared it (0s until it has). */
  readonly networkQuality: NetworkQuality;
}
export type PeerTable = ReadonlyMap<Uid, Peer>;

/** The channel's members by role, the local user included (`channelInfo$`). */
export interface ChannelInfo {
  readonly hosts: number;
  readonly audience: number;
}

/** Payload of events that carry nothing but their name. */
export type EmptyPayload = Record<never, never>;

/** The typed event map: the single source for `events$`, `on()`, `off()` and `event$()`. */
export interface ChannelEventMap {
  /** The local connection state changed (DISCONNECTED, CONNECTING, CONNECTED, DISCONNECTING), with the reason. */
  'connection-state-change': ConnectionStateChange;
  /**
   * The local user is (re)joined and CONNECTED; `peers$` already holds the channel's peers.
   * `resumed`: the session survived (peers saw nothing); `recovered`: no stream message was lost.
   */
  connected: { resumed: boolean; recovered: boolean };
  /** A peer is in the channel: already there at join, joined, or back after a drop. */
  'peer-online': { uid: Uid; attributes: Attributes };
  /** A peer replaced its attributes (setAttributes()). */
  'peer-attributes-changed': { uid: Uid; attributes: Attributes };
  /** The local user's link quality, every 2 s while CONNECTED. */
  'network-quality': NetworkQuality;
  /** A peer left (QUIT), went silent for the server's peer timeout (SERVER_TIMEOUT), or became an audience member (BECOME_AUDIENCE). */
  'peer-leave': { uid: Uid; reason: PeerLeaveReason };
  /** A peer published a stream (or republished it after a rejoin). */
  'stream-added': { uid: Uid; streamId: string };
  /** A peer's stream is gone: unpublished, silent (NO_DATA), or its publisher left (PEER_LEFT). */
  'stream-removed': { uid: Uid; streamId: string; reason: StreamRemovedReason };
  /** The token expires in 30 s (the server's setting): call `renewToken()`. */
  'token-privilege-will-expire': EmptyPayload;
  /** The token expired; the client goes DISCONNECTED (TOKEN_EXPIRE) and does not reconnect. */
  'token-privilege-did-expire': EmptyPayload;
  /**
   * Messages `from`..`to` (sequence numbers, inclusive) of a stream were lost: of a subscribed
   * stream (beyond the server's continuity window, or the server lost them), or of a stream this
   * client publishes (its outbox could not keep them through an outage).
   */
  'stream-gap': { uid: Uid; streamId: string; from: number; to: number };
  /** The local user's role changed (setClientRole() applied, or the server kept another role on a rejoin). */
  'client-role-changed': { role: ClientRole };
  /** Something went wrong that the SDK handled (a bad frame, a failed send, a worker error). */
  exception: { code: string; message: string };
  /**
   * A connection attempt (to join, or to reconnect) failed; the SDK retries within `joinTimeoutMs`
   * or `reconnect.giveUpAfterMs`. `code` is NETWORK_ERROR (refused, DNS, TLS, HTTP status of the
   * upgrade, closed during the handshake) or TIMEOUT (no answer within `connectionTimeoutMs`).
   */
  'connection-attempt-failed': ConnectionAttemptFailure;
}

/** Payload of `connection-attempt-failed`. */
export interface ConnectionAttemptFailure {
  /** 1 for the first attempt of a join or of a reconnect, then 2, 3, ... */
  attempt: number;
  /** The server URL that was tried. */
  url: string;
  /** NETWORK_ERROR: the attempt failed; TIMEOUT: it got no answer in time. */
  code: 'NETWORK_ERROR' | 'TIMEOUT';
  /** What happened, e.g. 'connection refused (connect ECONNREFUSED 127.0.0.1:1)'. */
  message: string;
}
export type ChannelEventName = keyof ChannelEventMap;
export type ChannelEvent = {
  [K in ChannelEventName]: { type: K } & ChannelEventMap[K];
}[ChannelEventName];
export type ChannelEventOf<K extends ChannelEventName> = Extract<ChannelEvent, { type: K }>;

/** Every event name once; the compiler checks it against the map, so the two cannot drift. */
const EVENT_NAMES: { readonly [K in ChannelEventName]: null } = {
  'connection-state-change': null,
  connected: null,
  'peer-online': null,
  'peer-attributes-changed': null,
  'network-quality': null,
  'peer-leave': null,
  'stream-added': null,
  'stream-removed': null,
  'token-privilege-will-expire': null,
  'token-privilege-did-expire': null,
  'stream-gap': null,
  'client-role-changed': null,
  exception: null,
  'connection-attempt-failed': null,
};
export const CHANNEL_EVENT_NAMES = Object.keys(EVENT_NAMES) as readonly ChannelEventName[];

export type StreamData = string | ArrayBuffer;
export interface StreamMessage {
  uid: Uid;
  streamId: string;
  data: StreamData;
}

export interface ReconnectOptions {
  /** The longest wait between attempts while an outage is young (its first 5 s). */
  initialDelayMs: number;
  /** The longest wait between attempts of a long outage (the cap grows to it from initialDelayMs). */
  maxDelayMs: number;
  /** A reconnect that has not succeeded by then stops: DISCONNECTED, reason NETWORK_ERROR. */
  giveUpAfterMs: number;
}

/** Engine tuning, resolved with defaults; this is what crosses into the worker. */
export interface EngineOptions {
  /** Server URLs, tried in order: the link moves to the next one when it is lost, refused or closing. */
  urls: string[];
  appId: string;
  heartbeatIntervalMs: number;
  connectionTimeoutMs: number;
  joinTimeoutMs: number;
  reconnect: ReconnectOptions;
  /** The role the client joins as, until setClientRole() changes it. */
  role: ClientRole;
}

export const DEFAULT_ENGINE_OPTIONS: Omit<EngineOptions, 'urls'> = {
  appId: 'default',
  role: 'host',
  heartbeatIntervalMs: 1000,
  connectionTimeoutMs: 4000,
  joinTimeoutMs: 15000,
  reconnect: { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs: 20 * 60_000 },
};
