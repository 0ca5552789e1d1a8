/**
 * The contract between the main thread and the engine's worker, and nothing else: both sides
 * import it, it imports neither (only public types). In the spirit of Comlink's own protocol.ts.
 *
 * Two pipes cross the boundary:
 * - the Comlink-exposed `WorkerApi` (request/reply), and
 * - one `EnginePort` (a MessagePort): engine output flows out as `EventBatch`es, stream data
 *   and signals flow in as one-way `DataMessage`s and `EngineSignal`s.
 */
import type { RemoteObject } from 'comlink';
import type { SerializedError } from './errors.js';
import type { Attributes, ChannelEvent, ChannelInfo, ClientRole, ConnectionState, EngineOptions, NetworkQuality, StreamData, Uid } from './types.js';

/**
 * Every API reply: the value or the error (with its stable code), and the `seq` of the last event
 * batch posted before the reply, so the main thread applies those events first (join() resolves
 * only once `peers$` already holds the peers).
 */
export type Result<T> = { ok: true; value: T; seq: number } | { ok: false; error: SerializedError; seq: number };

/** What `client.getStats()` reports. */
export interface EngineStats {
  /** The connection state, as `getConnectionState()`. */
  state: ConnectionState;
  /** The local uid once joined (assigned by the server for uid 0/null), else null. */
  uid: Uid | null;
  /** Peers in the channel. */
  peers: number;
  /** Round-trip time of the last heartbeat, in ms (null before the first pong). */
  rttMs: number | null;
  /** Links lost and re-established since the client was created. */
  reconnects: number;
  /** Bytes queued in the socket, not yet sent. */
  bufferedAmount: number;
}

/** One item of engine output: an app event, a message of a subscribed stream, the channel's counts, or a peer's quality. */
export type EngineOutput =
  | { kind: 'event'; event: ChannelEvent }
  | { kind: 'message'; uid: Uid; streamId: string; data: StreamData }
  | { kind: 'channel-info'; info: ChannelInfo }
  | { kind: 'peer-quality'; uid: Uid; quality: NetworkQuality };

/** Engine output of one task, posted as one message; `seq` increases by one per batch. */
export interface EventBatch {
  seq: number;
  items: EngineOutput[];
}

/** Stream data from the main thread: one-way, no reply, so a send() costs one message, not two. */
export interface DataMessage {
  streamId: string;
  data: string | ArrayBuffer;
}

/**
 * A one-way signal from the main thread, acted on as soon as it arrives (no Comlink round trip):
 * - `online`: the host's network came back (Node: the process-wide interface watcher): retry now;
 * - `leave`: the page is going away (`pagehide`): send the leave frame at once, before the
 *   worker is torn down.
 */
export interface EngineSignal {
  signal: 'online' | 'leave';
}

/** What the main thread posts on the engine port. */
export type PortMessage = DataMessage | EngineSignal;

/**
 * The worker's end of the engine port: event batches go out through `postMessage` (binary
 * data in the transfer list); a real MessagePort also carries `PortMessage`s in.
 */
export interface EnginePort {
  postMessage(message: EventBatch, transfer: Transferable[]): void;
  addEventListener?(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?(): void;
}

/**
 * The API a worker exposes through Comlink (and that `worker: 'inline'` calls directly).
 * Methods never throw across the boundary: they settle with a `Result`.
 */
export interface WorkerApi {
  init(options: EngineOptions, port: EnginePort): Promise<Result<null>>;
  /** `options.attributes`: the local user's, replacing those set before (none: keep them). */
  join(token: string | null, channel: string, uid: Uid | null, options?: { attributes?: Attributes }): Promise<Result<Uid>>;
  setAttributes(attributes: Attributes): Promise<Result<null>>;
  leave(): Promise<Result<null>>;
  publish(): Promise<Result<string>>;
  unpublish(streamId: string): Promise<Result<null>>;
  /** One-way stream data (what the port delivers); a failure is reported as an `exception` event. */
  send(streamId: string, data: string | ArrayBuffer): void;
  /** One-way signal (what the port delivers), acted on at once. */
  signal(signal: EngineSignal): void;
  subscribe(uid: Uid, streamId: string): Promise<Result<null>>;
  unsubscribe(uid: Uid, streamId: string): Promise<Result<null>>;
  renewToken(token: string): Promise<Result<null>>;
  setRole(role: ClientRole): Promise<Result<null>>;
  stats(): Promise<Result<EngineStats>>;
  simulateNetworkLoss(ms: number): Promise<Result<null>>;
  simulateLatency(ms: number): Promise<Result<null>>;
  signalOnline(): Promise<Result<null>>;
  dispose(): Promise<Result<null>>;
}

/** The worker API as the main thread holds it: Comlink's view of `WorkerApi` (every member async). */
export type EngineApi = RemoteObject<WorkerApi>;
