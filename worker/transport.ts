/**
 * One WebSocket at a time. Every socket gets a generation id; callbacks from a socket that is no
 * longer current are ignored, so a late `close` of an old socket can never tear down a new link.
 */
import type { SerializedCause } from '../src/errors.js';
import { socketErrorOf } from './attempt-failure.js';
import { TimerGroup, type Timers, type WebSocketConstructor, type WebSocketLike } from './env.js';

/** Callbacks of the current socket only: a stale socket's never reach them. */
export interface TransportHandlers {
  onOpen(): void;
  onText(text: string): void;
  onBinary(bytes: Uint8Array): void;
  /** `error`: what the socket reported before closing, where the host says (Node's `ws` does, browsers do not). */
  onClose(code: number, reason: string, error?: SerializedCause): void;
}

const OPEN = 1;

export class Transport {
  private socket: WebSocketLike | null = null;
  private generation = 0;
  /**
   * Debug hook for demos and tests: while true, nothing is sent or delivered on the open socket
   * (a half-open link), and a new socket fails at once (no route).
   */
  private networkLoss = false;
  /** Debug hook: every frame, either way, is held this long first (a slow link; order is kept). */
  private latencyMs = 0;
  private readonly delayed: TimerGroup;

  constructor(
    private readonly WebSocketImpl: WebSocketConstructor,
    timers: Timers,
    private readonly handlers: TransportHandlers,
  ) {
    this.delayed = new TimerGroup(timers);
  }

  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  /** Opens a new socket, abandoning any current one; the socket's generation id tags its callbacks. */
  connect(url: string): void {
    this.close(1000, 'reconnecting');
    const generation = ++this.generation;
    let socket: WebSocketLike;
    try {
      // Under the simulated loss a new connection cannot get out, as with no network at all.
      if (this.networkLoss) throw new Error('network unreachable (simulated network loss)');
      socket = new this.WebSocketImpl(url);
    } catch (error) {
      // A bad URL or a blocked port surfaces as a close of this generation, asynchronously.
      queueMicrotask(() => {
        if (generation === this.generation) this.handlers.onClose(1006, String(error), socketErrorOf({ error }));
      });
      return;
    }
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (generation === this.generation) this.handlers.onOpen();
    };
    socket.onmessage = (event) => {
      if (generation !== this.generation || this.networkLoss) return;
      const data = event.data;
      this.later(() => {
        if (generation !== this.generation) return;
        if (typeof data === 'string') this.handlers.onText(data);
        else if (data instanceof ArrayBuffer) this.handlers.onBinary(new Uint8Array(data));
        else if (ArrayBuffer.isView(data)) {
          this.handlers.onBinary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        }
      });
    };
    let error: SerializedCause | undefined;
    socket.onclose = (event) => {
      if (generation !== this.generation) return;
      this.socket = null;
      this.handlers.onClose(event.code, event.reason, error);
    };
    socket.onerror = (event) => {
      // `close` always follows `error`; keep what the error says for the close handler.
      error ??= socketErrorOf(event);
    };
    this.socket = socket;
  }

  send(data: string | Uint8Array): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    if (this.networkLoss) return true; // silently lost, like a dead link
    const socket = this.socket;
    // Delayed bytes are the caller's to reuse: keep a copy.
    const bytes = this.latencyMs > 0 && typeof data !== 'string' ? data.slice() : data;
    this.later(() => {
      if (socket.readyState === OPEN) socket.send(bytes);
    });
    return true;
  }

  setLatency(ms: number): void {
    this.latencyMs = ms > 0 ? ms : 0;
  }

  /** Now, or after the simulated latency. */
  private later(run: () => void): void {
    if (this.latencyMs > 0) this.delayed.set(run, this.latencyMs);
    else run();
  }

  /** Closes the current socket; its callbacks are ignored from now on. */
  close(code = 1000, reason = ''): void {
    const socket = this.socket;
    this.delayed.clearAll();
    // Advance even without a socket: a pending failure of a constructor that threw is now stale.
    this.generation++;
    if (!socket) return;
    this.socket = null;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Keep an error listener: `ws` throws an 'error' that has no listener (e.g. aborting a handshake).
    socket.onerror = () => {};
    try {
      socket.close(code, reason);
    } catch {
      // Closing a socket that never opened can throw in some hosts; it is gone either way.
    }
  }

  setNetworkLoss(lost: boolean): void {
    this.networkLoss = lost;
  }
}
