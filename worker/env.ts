/**
 * Everything the engine needs from its host, injected so unit tests run on virtual time and the
 * same engine runs in a browser Worker, a Node worker_threads worker or inline.
 */
import type { SerializedCause } from '../src/errors.js';

export interface Clock {
  now(): number;
}

export type TimerHandle = unknown;
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The subset of the WHATWG WebSocket the transport uses (the browser's, or `ws` in Node). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Fires when the host believes the network came back (browser `online`, Node interface change). */
export interface OnlineSource {
  subscribe(listener: () => void): () => void;
}

export interface EngineEnv {
  clock: Clock;
  timers: Timers;
  WebSocket: WebSocketConstructor;
  online: OnlineSource;
  random: () => number;
  /** Words the error a socket reported for a failed attempt (Node: system code, HTTP status); default: its message. */
  describeSocketError?: (error: SerializedCause) => string;
}

export const realClock: Clock = { now: () => Date.now() };
export const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const noOnlineSignal: OnlineSource = { subscribe: () => () => {} };

/** Browser/worker scopes fire `online` on the global object. */
export function eventTargetOnlineSource(target: EventTarget): OnlineSource {
  return {
    subscribe(listener) {
      const handler = () => listener();
      target.addEventListener('online', handler);
      return () => target.removeEventListener('online', handler);
    },
  };
}

/** A single owner for many timers: `clearAll()` on dispose guarantees nothing is left running. */
export class TimerGroup {
  private readonly handles = new Set<TimerHandle>();
  constructor(private readonly timers: Timers) {}

  set(fn: () => void, ms: number): TimerHandle {
    const handle = this.timers.setTimeout(() => {
      this.handles.delete(handle);
      fn();
    }, Math.max(0, ms));
    this.handles.add(handle);
    return handle;
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    this.handles.delete(handle);
    this.timers.clearTimeout(handle);
  }

  clearAll(): void {
    for (const handle of this.handles) this.timers.clearTimeout(handle);
    this.handles.clear();
  }
}
