/**
 * Where the engine runs: a dedicated Worker, a worker_threads worker, or inline. Every host gives
 * the engine bridge the same thing: the worker API, a stream of event batches, a failure signal,
 * and terminate().
 */
import { transfer, wrap, type Endpoint, type Remote } from 'comlink';
import type { EngineApi, EngineSignal, EventBatch, PortMessage, Result, WorkerApi } from './boundary.js';
import { callTimeouts } from './engine-bridge.js';
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
  /** Posts stream data and signals to the worker over the same port (its other direction). */
  post(message: PortMessage, transfer: Transferable[]): void;
  close(): void;
}

/** The longest a worker may take to load, start and answer its first call. */
export const MAX_START_MS = 10_000;
/** A deadline timer that fires this much late means the main thread was busy: look once more. */
const LATE_MS = 1_000;

/** The start-up deadline: at most MAX_START_MS, and always ahead of every call's own deadline. */
export function startTimeoutMs(options: EngineOptions): number {
  const { join, request } = callTimeouts(options);
  return Math.max(LATE_MS, Math.min(MAX_START_MS, Math.min(join, request) - LATE_MS));
}

/** `call`, or WORKER_FAILED if it has not settled `ms` after the start (a worker that never answers). */
function startDeadline<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let due = Date.now() + ms;
    let timer: ReturnType<typeof setTimeout>;
    const check = (): void => {
      const now = Date.now();
      if (now - due > LATE_MS) {
        // A frozen main thread delays this timer and the reply alike: the reply may be queued next.
        due = now + LATE_MS;
        timer = setTimeout(check, LATE_MS);
        return;
      }
      reject(new ChannelLinkError('WORKER_FAILED', `engine worker (${what}) did not answer its first call within ${ms} ms`));
    };
    timer = setTimeout(check, ms);
    call.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Wires Comlink over `endpoint` and a dedicated engine port, then initialises the engine, within
 * the start-up deadline (else WORKER_FAILED, and the worker is ended). `openEnginePort` creates the
 * port and starts delivering batches to `onBatch`; `what` names the worker in errors.
 */
export async function connectComlinkHost(
  endpoint: Endpoint,
  options: EngineOptions,
  callbacks: HostCallbacks,
  openEnginePort: (onBatch: (batch: EventBatch) => void) => EnginePortPair,
  terminateWorker: () => Promise<void> | void,
  what: string,
): Promise<EngineHost> {
  const api: Remote<WorkerApi> = wrap<WorkerApi>(endpoint);
  const port = openEnginePort(callbacks.onBatch);
  const remote = port.remote as never;
  try {
    const result: Result<null> = await startDeadline<Result<null>>(api.init(options, transfer(remote, [remote])), startTimeoutMs(options), what);
    if (!result.ok) throw ChannelLinkError.from(result.error);
  } catch (error) {
    port.close();
    await terminateWorker();
    throw error;
  }
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
