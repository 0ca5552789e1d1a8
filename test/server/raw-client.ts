/**
 * A bare protocol client for server tests: a real `ws` socket that records every frame (each one
 * validated with decodeServerFrame / decodeServerData, so the server's output is checked too) and
 * lets a test await frames or conditions, never a fixed sleep. A `presence` frame is recorded as
 * its entries, in order, so tests read the channel's events one by one; `presenceFrames` counts
 * the frames themselves.
 */
import WebSocket from 'ws';
import {
  PROTOCOL_VERSION,
  decodeServerData,
  decodeServerFrame,
  encodeClientData,
  type JoinedFrame,
  type PresenceEntry,
  type ServerDataFrame,
  type ServerFrame,
} from '../../src/protocol.js';
import { encodeHeartbeat, heartbeatTimestamp, isHeartbeatFrame } from '../../src/heartbeat-frame.js';
import type { Uid } from '../../src/types.js';
import type { ClientRole } from '../../src/wire-words.js';
import { startServer, type ChannelLinkServer, type ServerOptions } from '../../server/index.js';

/** What the client records: every frame but `presence`, whose entries stand in its place. */
export type Received = Exclude<ServerFrame, { type: 'presence' }> | PresenceEntry;
export type FrameType = Received['type'];
export type FrameOf<T extends FrameType> = Extract<Received, { type: T }>;
export interface CloseInfo {
  code: number;
  reason: string;
}

/** Frames that tell about other members or the session itself (not replies to a request). */
export const EVENT_TYPES: readonly FrameType[] = [
  'peer-online',
  'peer-leave',
  'stream-added',
  'stream-removed',
  'kicked',
  'server-closing',
  'token-will-expire',
];

const DEFAULT_WAIT_MS = 3000;

export interface JoinOptions {
  channel: string;
  uid?: Uid | null;
  appId?: string;
  token?: string | null;
  sessionId?: string;
  role?: ClientRole;
  streams?: string[];
  subscriptions?: { uid: Uid; streamId: string }[];
  attributes?: Record<string, string>;
  v?: number;
}

export class RawClient {
  /** Every control frame received, in order (a presence frame as its entries). */
  readonly frames: Received[] = [];
  /** How many presence frames arrived (each carries one or more entries). */
  presenceFrames = 0;
  /** Every data frame received, in order. */
  readonly data: ServerDataFrame[] = [];
  /** The timestamps of the binary heartbeats the server echoed, in order. */
  readonly heartbeats: number[] = [];
  /** Frames the server sent that do not match the protocol (should stay empty). */
  readonly violations: string[] = [];
  closeInfo: CloseInfo | null = null;
  readonly closed: Promise<CloseInfo>;
  private readonly consumed = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private nextRequestId = 1;
  private readonly dataSeqs = new Map<string, number>();

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.changed();
      });
    });
    ws.on('error', () => {
      // e.g. ECONNRESET after the server rejected a frame; the close event reports the outcome.
    });
    ws.on('message', (raw, isBinary) => {
      const buf = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
      try {
        if (isBinary && isHeartbeatFrame(buf)) this.heartbeats.push(heartbeatTimestamp(buf));
        else if (isBinary) this.data.push(decodeServerData(new Uint8Array(buf)));
        else this.record(decodeServerFrame(buf.toString('utf8')));
      } catch (err) {
        this.violations.push((err as Error).message);
      }
      this.changed();
    });
  }

  static connect(url: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new RawClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Connects and joins; resolves with the `joined` frame. */
  static async joined(url: string, options: JoinOptions): Promise<{ client: RawClient; joined: JoinedFrame }> {
    const client = await RawClient.connect(url);
    const joined = await client.join(options);
    return { client, joined };
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Uint8Array): void {
    this.ws.send(data);
  }

  /** A data frame on `streamId`, numbered after the previous one of that stream (epoch 1), unless `seq` is given. */
  sendData(streamId: string, data: string | Uint8Array, seq?: number): void {
    const next = seq ?? (this.dataSeqs.get(streamId) ?? 0) + 1;
    this.dataSeqs.set(streamId, Math.max(next, this.dataSeqs.get(streamId) ?? 0));
    this.ws.send(encodeClientData(streamId, 1, next, data));
  }

  async join(options: JoinOptions): Promise<JoinedFrame> {
    this.send({
      type: 'join',
      v: options.v ?? PROTOCOL_VERSION,
      appId: options.appId ?? 'test',
      channel: options.channel,
      uid: options.uid === undefined ? null : options.uid,
      token: options.token ?? null,
      ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
      role: options.role ?? 'host',
      streams: options.streams ?? [],
      subscriptions: options.subscriptions ?? [],
      ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
    });
    return this.next('joined');
  }

  /** Sends a request frame with a fresh id; resolves with its ack or error frame. */
  async request(frame: Record<string, unknown>): Promise<FrameOf<'ack'> | FrameOf<'error'>> {
    const id = this.nextRequestId++;
    this.send({ ...frame, id });
    return this.waitFor(
      () => {
        const index = this.frames.findIndex((f, i) => !this.consumed.has(i) && (f.type === 'ack' || f.type === 'error') && f.id === id);
        if (index < 0) return undefined;
        this.consumed.add(index);
        return this.frames[index] as FrameOf<'ack'> | FrameOf<'error'>;
      },
      `reply to request ${id}`,
    );
  }

  /**
   * Ping round trip. Also a barrier: every frame the server sent this client before it handled
   * the ping has arrived once this resolves.
   */
  async ping(): Promise<FrameOf<'pong'>> {
    const ts = Date.now() + Math.random();
    this.send({ type: 'ping', ts });
    return this.waitFor(() => {
      const index = this.frames.findIndex((f, i) => !this.consumed.has(i) && f.type === 'pong' && f.ts === ts);
      if (index < 0) return undefined;
      this.consumed.add(index);
      return this.frames[index] as FrameOf<'pong'>;
    }, 'pong');
  }

  /** Sends a binary heartbeat (src/heartbeat-frame.ts) carrying `ts`; resolves once its echo is back. */
  async heartbeatEcho(ts: number): Promise<number> {
    this.ws.send(encodeHeartbeat(ts));
    return this.waitFor(() => this.heartbeats.includes(ts) && ts, `the echo of heartbeat ${ts}`);
  }

  /** The first not yet consumed frame of this type (waits for it). */
  next<T extends FrameType>(type: T, timeoutMs = DEFAULT_WAIT_MS): Promise<FrameOf<T>> {
    return this.waitFor(
      () => {
        const index = this.frames.findIndex((f, i) => !this.consumed.has(i) && f.type === type);
        if (index < 0) return undefined;
        this.consumed.add(index);
        return this.frames[index] as FrameOf<T>;
      },
      `a ${type} frame`,
      timeoutMs,
    );
  }

  /** Forgets the frames received so far (e.g. between cases that share a client). */
  clear(): void {
    this.frames.length = 0;
    this.data.length = 0;
    this.consumed.clear();
  }

  /** Event frames received so far (see EVENT_TYPES), consumed or not. */
  events(): Received[] {
    return this.frames.filter((f) => EVENT_TYPES.includes(f.type));
  }

  /** Resolves with the first truthy value of `check`, re-evaluated on every frame and close. */
  waitFor<R>(check: () => R | undefined | null | false, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<R> {
    return new Promise((resolve, reject) => {
      const evaluate = (): boolean => {
        let value: R | undefined | null | false;
        try {
          value = check();
        } catch (err) {
          finish();
          reject(err as Error);
          return true;
        }
        if (value) {
          finish();
          resolve(value);
          return true;
        }
        if (this.closeInfo) {
          finish();
          reject(new Error(`closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${what}; frames: ${this.describe()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; frames: ${this.describe()}`));
      }, timeoutMs);
      const listener = (): void => void evaluate();
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      if (!evaluate()) this.listeners.add(listener);
    });
  }

  /** Waits for the socket to close (already closed is fine). */
  waitClosed(timeoutMs = DEFAULT_WAIT_MS): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket not closed after ${timeoutMs} ms; frames: ${this.describe()}`)), timeoutMs);
      void this.closed.then((info) => {
        clearTimeout(timer);
        resolve(info);
      });
    });
  }

  /** Sends a ping every `intervalMs` until stopped (keeps a session alive). */
  heartbeat(intervalMs: number): () => void {
    const timer = setInterval(() => {
      if (this.ws.readyState === WebSocket.OPEN) this.send({ type: 'ping', ts: Date.now() });
    }, intervalMs);
    return () => clearInterval(timer);
  }

  /** Sends the binary heartbeat (what the SDK sends) every `intervalMs` until stopped. */
  binaryHeartbeat(intervalMs: number): () => void {
    const timer = setInterval(() => {
      if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeHeartbeat(Date.now()));
    }, intervalMs);
    return () => clearInterval(timer);
  }

  /** Drops the TCP connection without a closing handshake (a crashed client or a lost link). */
  terminate(): void {
    this.ws.terminate();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }

  describe(): string {
    return JSON.stringify(this.frames.filter((f) => f.type !== 'pong')).slice(0, 1500);
  }

  private record(frame: ServerFrame): void {
    if (frame.type !== 'presence') {
      this.frames.push(frame);
      return;
    }
    this.presenceFrames++;
    this.frames.push(...frame.events);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export const TEST_TIMEOUTS = { peerTimeoutMs: 600, streamTimeoutMs: 300, joinTimeoutMs: 1000 } as const;

export function startTestServer(options: ServerOptions = {}): Promise<ChannelLinkServer> {
  return startServer({ port: 0, logLevel: 'silent', ...TEST_TIMEOUTS, ...options });
}

let channelCounter = 0;
/** A channel name unused by other tests of the same server. */
export function uniqueChannel(prefix = 'room'): string {
  channelCounter += 1;
  return `${prefix}-${process.pid}-${channelCounter}`;
}

/** Polls a condition (for state outside any socket, e.g. server.stats()). */
export async function until(check: () => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Lets `ms` pass. Only for asserting that something does NOT happen within a window (a timeout
 * that must not fire); never to wait for something that should happen.
 */
export function quietPeriod(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
