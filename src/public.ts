/** What both entry points (browser and Node) export besides `createClient`. */
export { ChannelLinkError, ERROR_CODES, type ErrorCode } from './errors.js';
export type { ChannelClient, JoinOptions } from './client.js';
export type { ClientOptions, WorkerOption } from './options.js';
export type { LocalStream, RemoteStream } from './streams.js';
export type { ChannelEventHandler } from './event-hub.js';
export type { EngineStats } from './boundary.js';
export { ConnectionStateCode, CONNECTION_STATES, CHANNEL_EVENT_NAMES } from './types.js';
export type * from './types.js';
export { PROTOCOL_VERSION } from './limits.js';
