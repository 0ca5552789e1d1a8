/** Test doubles for the engine's injected environment: a scriptable WebSocket and an online source. */
import { decodeClientFrame } from '../../src/client-frames.js';
import { encodeHeartbeat, heartbeatTimestamp, isHeartbeatFrame } from '../../src/heartbeat-frame.js';
import { encodeFrame, type ClientFrame, type PresenceEntry, type ServerFrame } from '../../src/protocol.js';
import type { EngineOptions } from '../../src/types.js';
import type { EngineEnv, OnlineSource, WebSocketLike } from '../../worker/env.js';
import { describeNodeSocketError } from '../../worker/node-socket-error.js';

export interface FakeSocket extends WebSocketLike {
  readonly url: string;
  /** Everything the client sent (text as string, binary as a copy). */
  readonly sent: (string | Uint8Array)[];
  /** Set when the client called close(). */
  closedByClient: { code: number | undefined; reason: string | undefined } | null;
  /** Test side: the connection opens. */
  open(): void;
  /** Test side: the server sends raw data (string or ArrayBuffer). */
  receive(data: unknown): void;
  /** Test side: the server sends a control frame. */
  receiveFrame(frame: ServerFrame): void;
  /** Test side: the server sends a presence frame carrying these entries. */
  receivePresence(...events: PresenceEntry[]): void;
  /**
   * Test side: the connection closes (server close, network error, refused). `error`: what the
   * socket reports first, as Node's `ws` does (an ErrorEvent with `error`); browsers report none.
   */
  serverClose(code?: number, reason?: string, error?: Error): void;
  /** The text frames the client sent, decoded (throws if any is invalid). */
  sentFrames(): ClientFrame[];
  /** The timestamps of the binary heartbeats the client sent (throws if any is malformed). */
  sentHeartbeats(): number[];
  /** The binary data frames the client sent (heartbeats left out). */
  sentData(): Uint8Array[];
  /** Test side: the server echoes a heartbeat carrying `ts`. */
  receiveHeartbeat(ts: number): void;
}

export interface FakeWebSocketKit {
  WebSocket: new (url: string) => WebSocketLike;
  /** Every socket constructed, in order. */
  instances: FakeSocket[];
  /** The number of upcoming constructions that throw (like a blocked port in a browser). */
  throwOnConstruct: number;
  last(): FakeSocket;
}

/** A fresh fake WebSocket class with its own instance list (no state shared between tests). */
export function createFakeWebSocket(): FakeWebSocketKit {
  const kit: FakeWebSocketKit = {
    WebSocket: undefined as never,
    instances: [],
    throwOnConstruct: 0,
    last() {
      const socket = kit.instances[kit.instances.length - 1];
      if (!socket) throw new Error('no socket was created');
      return socket;
    },
  };

  class FakeWebSocket implements FakeSocket {
    binaryType = 'blob';
    readyState = 0;
    bufferedAmount = 0;
    readonly sent: (string | Uint8Array)[] = [];
    closedByClient: FakeSocket['closedByClient'] = null;
    onopen: WebSocketLike['onopen'] = null;
    onmessage: WebSocketLike['onmessage'] = null;
    onclose: WebSocketLike['onclose'] = null;
    onerror: WebSocketLike['onerror'] = null;

    constructor(readonly url: string) {
      if (kit.throwOnConstruct > 0) {
        kit.throwOnConstruct--;
        throw new Error('SecurityError: blocked port');
      }
      kit.instances.push(this);
    }

    send(data: string | ArrayBufferLike | ArrayBufferView): void {
      if (this.readyState !== 1) throw new Error('InvalidStateError: socket not open');
      if (typeof data === 'string') this.sent.push(data);
      else if (ArrayBuffer.isView(data)) this.sent.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
      else this.sent.push(new Uint8Array(data).slice());
    }

    close(code?: number, reason?: string): void {
      this.closedByClient = { code, reason };
      this.readyState = 3;
    }

    open(): void {
      this.readyState = 1;
      this.onopen?.({});
    }

    receive(data: unknown): void {
      this.onmessage?.({ data });
    }

    receivePresence(...events: PresenceEntry[]): void {
      this.receiveFrame({ type: 'presence', events });
    }

    receiveFrame(frame: ServerFrame): void {
      this.receive(encodeFrame(frame));
    }

    serverClose(code = 1006, reason = '', error?: Error): void {
      this.readyState = 3;
      this.onerror?.(error ? { type: 'error', error, message: error.message } : { type: 'error' });
      this.onclose?.({ code, reason });
    }

    sentFrames(): ClientFrame[] {
      return this.sent.filter((d): d is string => typeof d === 'string').map((text) => decodeClientFrame(text));
    }

    sentHeartbeats(): number[] {
      return this.sent.filter((d): d is Uint8Array => typeof d !== 'string' && isHeartbeatFrame(d)).map((frame) => heartbeatTimestamp(frame));
    }

    sentData(): Uint8Array[] {
      return this.sent.filter((d): d is Uint8Array => typeof d !== 'string' && !isHeartbeatFrame(d));
    }

    receiveHeartbeat(ts: number): void {
      this.receive(encodeHeartbeat(ts).buffer);
    }
  }

  kit.WebSocket = FakeWebSocket;
  return kit;
}

export interface FakeOnline extends OnlineSource {
  readonly listenerCount: number;
  fire(): void;
}

export function createFakeOnline(): FakeOnline {
  const listeners = new Set<() => void>();
  return {
    subscribe(listener) {
      const entry = () => listener();
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    fire() {
      for (const listener of [...listeners]) listener();
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}

/** An engine environment on vitest's fake timers (call vi.useFakeTimers() first). */
export function createFakeEnv(random: () => number = () => 0.5): {
  env: EngineEnv;
  ws: FakeWebSocketKit;
  online: FakeOnline;
} {
  const ws = createFakeWebSocket();
  const online = createFakeOnline();
  const env: EngineEnv = {
    clock: { now: () => Date.now() },
    timers: {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
    WebSocket: ws.WebSocket,
    online,
    random,
    // The fake sockets fail as `ws` does in Node, with system errors.
    describeSocketError: describeNodeSocketError,
  };
  return { env, ws, online };
}

export const TEST_OPTIONS: EngineOptions = {
  urls: ['ws://server.test'],
  appId: 'test-app',
  heartbeatIntervalMs: 1000,
  connectionTimeoutMs: 4000,
  joinTimeoutMs: 15000,
  reconnect: { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs: 60_000 },
  role: 'host',
};

/** Lets pending promise callbacks run (no timers involved). */
export async function flushMicrotasks(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Settles `run` (which may throw synchronously or reject) and returns what it threw, or fails. */
export async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but the call succeeded');
}
