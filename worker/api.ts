/**
 * The API a worker exposes through Comlink (and that `worker: 'inline'` calls directly).
 * Methods never throw across the boundary: they return a Result whose error keeps its `code`,
 * and the `seq` of the last event batch posted before the reply, so the main thread applies
 * those events first (join() resolves only once `peers$` already holds the peers).
 */
import { ChannelLinkError, type SerializedError } from '../src/errors.js';
import type { EngineOptions, Uid } from '../src/types.js';
import { Engine } from './engine.js';
import type { EngineEnv } from './env.js';
import { EventBatcher, type BatchPort, type DataMessage } from './event-batcher.js';

export type Result<T> = { ok: true; value: T; seq: number } | { ok: false; error: SerializedError; seq: number };

export interface EngineStats {
  state: string;
  uid: Uid | null;
  peers: number;
  rttMs: number | null;
  reconnects: number;
  bufferedAmount: number;
}

export interface WorkerApi {
  init(options: EngineOptions, events: BatchPort): Result<null>;
  join(token: string | null, channel: string, uid: Uid | null): Promise<Result<Uid>>;
  leave(): Promise<Result<null>>;
  publish(): Promise<Result<string>>;
  unpublish(streamId: string): Promise<Result<null>>;
  send(streamId: string, data: string | ArrayBuffer): Result<boolean>;
  subscribe(uid: Uid, streamId: string): Promise<Result<null>>;
  unsubscribe(uid: Uid, streamId: string): Promise<Result<null>>;
  renewToken(token: string): Promise<Result<null>>;
  stats(): Result<EngineStats>;
  simulateNetworkLoss(ms: number): Result<null>;
  signalOnline(): Result<null>;
  dispose(): Promise<Result<null>>;
}

export function createWorkerApi(env: EngineEnv): WorkerApi {
  let engine: Engine | null = null;
  let batcher: EventBatcher | null = null;

  const settle = <T>(run: () => T): Result<T> => {
    try {
      const value = run();
      batcher?.flush();
      return { ok: true, value, seq: batcher?.lastSeq ?? 0 };
    } catch (error) {
      batcher?.flush();
      return { ok: false, error: ChannelLinkError.from(error).toJSON(), seq: batcher?.lastSeq ?? 0 };
    }
  };
  const settleAsync = async <T>(run: () => Promise<T>): Promise<Result<T>> => {
    try {
      const value = await run();
      batcher?.flush();
      return { ok: true, value, seq: batcher?.lastSeq ?? 0 };
    } catch (error) {
      batcher?.flush();
      return { ok: false, error: ChannelLinkError.from(error).toJSON(), seq: batcher?.lastSeq ?? 0 };
    }
  };
  const live = (): Engine => {
    if (!engine) throw new ChannelLinkError('CLOSED', 'engine not initialised or already disposed');
    return engine;
  };

  return {
    init: (options, events) =>
      settle(() => {
        if (engine) throw new ChannelLinkError('INVALID_OPERATION', 'engine already initialised');
        const b = new EventBatcher(events);
        batcher = b;
        const e = new Engine(env, options, (item) => b.push(item));
        engine = e;
        events.addEventListener?.('message', ({ data }) => {
          const { streamId, data: payload } = data as DataMessage;
          try {
            e.send(streamId, typeof payload === 'string' ? payload : new Uint8Array(payload));
          } catch (error) {
            const { code, message } = ChannelLinkError.from(error);
            b.push({ kind: 'event', event: { type: 'exception', code, message } });
          }
        });
        events.start?.();
        return null;
      }),
    join: (token, channel, uid) => settleAsync(() => live().join(token, channel, uid)),
    leave: () => settleAsync(() => live().leave().then(() => null)),
    publish: () => settleAsync(() => live().publish()),
    unpublish: (streamId) => settleAsync(() => live().unpublish(streamId).then(() => null)),
    send: (streamId, data) =>
      settle(() => live().send(streamId, typeof data === 'string' ? data : new Uint8Array(data))),
    subscribe: (uid, streamId) => settleAsync(() => live().subscribe(uid, streamId).then(() => null)),
    unsubscribe: (uid, streamId) => settleAsync(() => live().unsubscribe(uid, streamId).then(() => null)),
    renewToken: (token) => settleAsync(() => live().renewToken(token).then(() => null)),
    stats: () => settle(() => live().stats()),
    simulateNetworkLoss: (ms) => settle(() => (live().simulateNetworkLoss(ms), null)),
    signalOnline: () => settle(() => (live().signalOnline(), null)),
    dispose: () =>
      settleAsync(async () => {
        const current = engine;
        engine = null;
        await current?.dispose();
        return null;
      }),
  };
}
