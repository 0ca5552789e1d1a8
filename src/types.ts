/** Public types shared by the main thread, the worker and the server. */

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
  | 'INVALID_TOKEN';

export interface ConnectionStateChange {
  curState: ConnectionState;
  prevState: ConnectionState;
  reason: ConnectionChangeReason;
}

export type PeerLeaveReason = 'QUIT' | 'SERVER_TIMEOUT';
export type StreamRemovedReason = 'UNPUBLISHED' | 'NO_DATA' | 'PEER_LEFT';

export interface Peer {
  readonly uid: Uid;
  readonly streams: ReadonlySet<string>;
}
export type PeerTable = ReadonlyMap<Uid, Peer>;

/** Payload of events that carry nothing but their name. */
export type EmptyPayload = Record<never, never>;

/** The typed event map: the single source for `events$`, `on()` and `off()`. */
export interface ChannelEventMap {
  'connection-state-change': ConnectionStateChange;
  connected: EmptyPayload;
  'peer-online': { uid: Uid };
  'peer-leave': { uid: Uid; reason: PeerLeaveReason };
  'stream-added': { uid: Uid; streamId: string };
  'stream-removed': { uid: Uid; streamId: string; reason: StreamRemovedReason };
  'token-privilege-will-expire': EmptyPayload;
  'token-privilege-did-expire': EmptyPayload;
  exception: { code: string; message: string };
}
export type ChannelEventName = keyof ChannelEventMap;
export type ChannelEvent = {
  [K in ChannelEventName]: { type: K } & ChannelEventMap[K];
}[ChannelEventName];
export type ChannelEventOf<K extends ChannelEventName> = Extract<ChannelEvent, { type: K }>;

export const CHANNEL_EVENT_NAMES: readonly ChannelEventName[] = [
  'connection-state-change',
  'connected',
  'peer-online',
  'peer-leave',
  'stream-added',
  'stream-removed',
  'token-privilege-will-expire',
  'token-privilege-did-expire',
  'exception',
];

export type StreamData = string | ArrayBuffer;
export interface StreamMessage {
  uid: Uid;
  streamId: string;
  data: StreamData;
}

export interface ReconnectOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  giveUpAfterMs: number;
}

/** Engine tuning, resolved with defaults; this is what crosses into the worker. */
export interface EngineOptions {
  url: string;
  appId: string;
  heartbeatIntervalMs: number;
  connectionTimeoutMs: number;
  joinTimeoutMs: number;
  reconnect: ReconnectOptions;
}

export const DEFAULT_ENGINE_OPTIONS: Omit<EngineOptions, 'url'> = {
  appId: 'default',
  heartbeatIntervalMs: 1000,
  connectionTimeoutMs: 4000,
  joinTimeoutMs: 15000,
  reconnect: { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs: 20 * 60_000 },
};
