/**
 * The worker side of the boundary (src/boundary.ts): the engine behind the `WorkerApi`, with its
 * output batched onto the engine port and stream data read from it.
 */
import type { DataMessage, EnginePort, EngineSignal, EngineStats, Result, WorkerApi } from '../src/boundary.js';
import { ChannelLinkError, type SerializedError } from '../src/errors.js';
import { Engine } from './engine.js';
import type { EngineEnv } from './env.js';
import { EventBatcher } from './event-batcher.js';

export type { WorkerApi, Result, EngineStats };

const isDataMessage = (value: unknown): value is DataMessage =>
  typeof value === 'object' && value !== null && typeof (value as DataMessage).streamId === 'string';
/** The error as it crosses the boundary, with its cause when that is an Error (name, message, system code). */
function serializeError(error: ChannelLinkError): SerializedError {
  const { cause } = error;
  if (!(cause instanceof Error)) return error.toJSON();
  const code = (cause as { code?: unknown }).code;
  return { ...error.toJSON(), cause: { name: cause.name, message: cause.message, ...(typeof code === 'string' && { code }) } };
}

const isSignal = (value: unknown): value is EngineSignal =>
  typeof value === 'object' && value !== null && typeof (value as EngineSignal).signal === 'string';

export function createWorkerApi(env: EngineEnv): WorkerApi {
  let engine: Engine | null = null;
  let batcher: EventBatcher | null = null;

  /** Runs an API call; whatever it throws becomes an error Result that keeps its code. */
  const settle = async <T>(run: () => T | Promise<T>): Promise<Result<T>> => {
    let result: Result<T>;
    try {
      result = { ok: true, value: await run(), seq: 0 };
    } catch (error) {
      result = { ok: false, error: serializeError(ChannelLinkError.from(error)), seq: 0 };
    }
    // The reply follows every event emitted so far: post them now and name the last batch.
    batcher?.flush();
    result.seq = batcher?.lastSeq ?? 0;
    return result;
  };
  const live = (): Engine => {
    if (!engine) throw new ChannelLinkError('CLOSED', 'engine not initialised or already disposed');
    return engine;
  };
  /** Stream data, from the port or an inline call: a failure reaches the app as an `exception`. */
  const send = (streamId: string, data: string | ArrayBuffer): void => {
    try {
      live().send(streamId, typeof data === 'string' ? data : new Uint8Array(data));
    } catch (error) {
      const { code, message } = ChannelLinkError.from(error);
      batcher?.push({ kind: 'event', event: { type: 'exception', code, message } });
    }
  };
  /** Signals from the main thread, acted on in the task they arrive in (see EngineSignal). */
  const signal = ({ signal: kind }: EngineSignal): void => {
    if (!engine) return;
    // leave() sends the leave frame synchronously: it is on the wire before this task ends.
    if (kind === 'leave') void engine.leave();
    else if (kind === 'online') engine.signalOnline();
  };

  return {
    init: (options, port: EnginePort) =>
      settle(() => {
        if (engine) throw new ChannelLinkError('INVALID_OPERATION', 'engine already initialised');
        const b = new EventBatcher(port);
        batcher = b;
        engine = new Engine(env, options, (item) => b.push(item));
        port.addEventListener?.('message', ({ data }) => {
          if (isDataMessage(data)) send(data.streamId, data.data);
          else if (isSignal(data)) signal(data);
        });
        port.start?.();
        return null;
      }),
    join: (token, channel, uid, options) => settle(() => live().join(token, channel, uid, options)),
    setAttributes: (attributes) => settle(() => live().setAttributes(attributes).then(() => null)),
    leave: () => settle(() => live().leave().then(() => null)),
    publish: () => settle(() => live().publish()),
    unpublish: (streamId) => settle(() => live().unpublish(streamId).then(() => null)),
    send,
    signal,
    subscribe: (uid, streamId) => settle(() => live().subscribe(uid, streamId).then(() => null)),
    unsubscribe: (uid, streamId) => settle(() => live().unsubscribe(uid, streamId).then(() => null)),
    renewToken: (token) => settle(() => live().renewToken(token).then(() => null)),
    setRole: (role) => settle(() => live().setRole(role).then(() => null)),
    stats: () => settle(() => live().stats()),
    simulateNetworkLoss: (ms) => settle(() => (live().simulateNetworkLoss(ms), null)),
    simulateLatency: (ms) => settle(() => (live().simulateLatency(ms), null)),
    signalOnline: () => settle(() => (live().signalOnline(), null)),
    dispose: () =>
      settle(async () => {
        const current = engine;
        engine = null;
        await current?.dispose();
        return null;
      }),
  };
}
