/**
 * Where the engine runs: a dedicated Worker, a worker_threads worker, or inline. Every host gives
 * the engine channel the same thing: the worker API, a stream of event batches, a failure signal,
 * and terminate().
 */
import { transfer, wrap, type Endpoint, type Remote } from 'comlink';
import type { EngineApi, EngineSignal, EventBatch, PortMessage, WorkerApi } from './boundary.js';
import { ChannelLinkError } from './errors.js';
import type { EngineOptions } from './types.js';

export interface HostCallbacks {
  onBatch(batch: EventBatch): void;
  /** The engine's host died (worker crash, failed to start): no reply will ever come. */
  onFailure(error: ChannelLinkError): void;
}

export interface EngineHost {
  readonly api: EngineApi;
  /** True when the engine lives on another thread (and so can die or hang on its own). */
  readonly isolated: boolean;
  /** Stream data, one-way (binary is transferred); failures come back as `exception` events. */
  send(streamId: string, data: string | ArrayBuffer): void;
  /** A one-way signal, posted before this returns (so it is safe in a `pagehide` handler). */
  signal(signal: EngineSignal): void;
  terminate(): Promise<void>;
}

export type HostFactory = (options: EngineOptions, callbacks: HostCallbacks) => Promise<EngineHost>;

/** The main thread's end of the engine port; browser and Node MessagePorts differ slightly. */
export interface EnginePortPair {
  /** The worker's end, sent (transferred) to it. */
  remote: unknown;
  /** Posts stream data and signals to the worker over the same channel (its other direction). */
  post(message: PortMessage, transfer: Transferable[]): void;
  close(): void;
}

/**
 * Wires Comlink over `endpoint` and a dedicated engine port, then initialises the engine.
 * `openEnginePort` creates the port and starts delivering batches to `onBatch`.
 */
export async function connectComlinkHost(
  endpoint: Endpoint,
  options: EngineOptions,
  callbacks: HostCallbacks,
  openEnginePort: (onBatch: (batch: EventBatch) => void) => EnginePortPair,
  terminateWorker: () => Promise<void> | void,
): Promise<EngineHost> {
  const api: Remote<WorkerApi> = wrap<WorkerApi>(endpoint);
  const port = openEnginePort(callbacks.onBatch);
  const remote = port.remote as never;
  const result = await api.init(options, transfer(remote, [remote]));
  if (!result.ok) throw ChannelLinkError.from(result.error);
  return {
    api,
    isolated: true,
    send: (streamId, data) => port.post({ streamId, data }, typeof data === 'string' ? [] : [data]),
    signal: (signal) => port.post(signal, []),
    async terminate() {
      port.close();
      await terminateWorker();
    },
  };
}
