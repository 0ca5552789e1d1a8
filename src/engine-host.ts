/**
 * Where the engine runs: a dedicated Worker, a worker_threads worker, or inline. Every host gives
 * the client the same thing: the worker API (each method async), a stream of event batches, a
 * failure signal, and terminate().
 */
import { transfer, wrap, type Endpoint } from 'comlink';
import { ChannelLinkError } from './errors.js';
import type { EngineOptions } from './types.js';
import type { WorkerApi } from '../worker/api.js';
import type { DataMessage, EventBatch } from '../worker/event-batcher.js';

export type AsyncWorkerApi = {
  [K in keyof WorkerApi]: (...args: Parameters<WorkerApi[K]>) => Promise<Awaited<ReturnType<WorkerApi[K]>>>;
};

export interface HostCallbacks {
  onBatch(batch: EventBatch): void;
  /** The engine's host died (worker crash, failed to start): no reply will ever come. */
  onFailure(error: ChannelLinkError): void;
}

export interface EngineHost {
  readonly api: AsyncWorkerApi;
  /** True when the engine lives on another thread (and so can die or hang on its own). */
  readonly isolated: boolean;
  /** Stream data, one-way (binary is transferred); failures come back as `exception` events. */
  send(streamId: string, data: string | ArrayBuffer): void;
  terminate(): Promise<void>;
}

export type HostFactory = (options: EngineOptions, callbacks: HostCallbacks) => Promise<EngineHost>;

/** A port that carries event batches from the engine; browser and Node ports differ slightly. */
export interface BatchPortPair {
  /** Sent (transferred) to the worker. */
  remote: unknown;
  /** Posts to the worker over the same channel (its other direction). */
  post(message: DataMessage, transfer: Transferable[]): void;
  close(): void;
}

/**
 * Wires Comlink over `endpoint` and a dedicated MessageChannel for event batches, then initialises
 * the engine. `openBatchChannel` creates the channel and starts delivering batches to `onBatch`.
 */
export async function connectComlinkHost(
  endpoint: Endpoint,
  options: EngineOptions,
  callbacks: HostCallbacks,
  openBatchChannel: (onBatch: (batch: EventBatch) => void) => BatchPortPair,
  terminateWorker: () => Promise<void> | void,
): Promise<EngineHost> {
  const api = wrap<WorkerApi>(endpoint) as unknown as AsyncWorkerApi;
  const channel = openBatchChannel(callbacks.onBatch);
  const port = channel.remote as never;
  const result = await api.init(options, transfer(port, [port]));
  if (!result.ok) throw ChannelLinkError.from(result.error);
  return {
    api,
    isolated: true,
    send: (streamId, data) => channel.post({ streamId, data }, typeof data === 'string' ? [] : [data]),
    async terminate() {
      channel.close();
      await terminateWorker();
    },
  };
}
