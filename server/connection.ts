/**
 * One client socket: size and rate limits, frame decoding and validation, the join deadline, and
 * the send/close helpers (which disconnect a slow consumer instead of buffering without bound).
 * What a frame *means* is decided by the handlers (protocol-handler.ts).
 * Nothing thrown while handling a frame escapes: it closes this socket, never the process.
 */
import { decodeClientFrame } from '../src/client-frames.js';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { ErrorCode } from '../src/errors.js';
import { MAX_CLOSE_REASON_BYTES, MAX_ERROR_MESSAGE_LENGTH } from '../src/limits.js';
import {
  CloseCode,
  ProtocolError,
  decodeDataHeader,
  encodeFrame,
  type ClientFrame,
  type ServerFrame,
} from '../src/protocol.js';
import { isHeartbeatFrame, isValidHeartbeat } from '../src/heartbeat-frame.js';
import type { ServerCounters } from './counters.js';
import type { LocalSession } from './local-session.js';
import { DropMeter, TokenBucket, type RateLimit } from './rate-limit.js';

export interface ConnectionLimits {
  joinTimeoutMs: number;
  maxControlFrameBytes: number;
  maxDataFrameBytes: number;
  /** A socket with more than this queued for sending is closed (slow consumer, 4430). */
  maxBufferedBytes: number;
  controlRate: RateLimit;
  dataRate: RateLimit;
  /** Frames dropped by the rate limits within ABUSE_WINDOW_MS before the socket is closed (4429). */
  rateLimitMaxDropped: number;
}

/** The header of a client data frame: which stream, its flags, and the message's epoch and seq. */
export type DataHeader = ReturnType<typeof decodeDataHeader>;

export interface ConnectionHandlers {
  /**
   * A valid control frame; before the join only a `join` frame reaches here. Frames of one socket
   * are handled one after the other: the next waits until the promise returned settles.
   */
  onFrame(conn: Connection, frame: ClientFrame): void | Promise<void>;
  /** A heartbeat of a joined socket: answered at once, never queued behind other frames. */
  onPing(conn: Connection, ts: number): void;
  /** A binary heartbeat frame (src/heartbeat-frame.ts) of a joined socket, valid: answered at once by sending the same bytes back (the frame is ours once ws has handed it over). */
  onHeartbeat(conn: Connection, frame: Buffer): void;
  /** A valid binary data frame from a joined socket; `payload` is a view, not a copy. */
  onData(conn: Connection, header: DataHeader, payload: Uint8Array): void;
  onClose(conn: Connection): void;
}

export type ConnectionPhase = 'awaiting-join' | 'joined' | 'closed';

const OPEN = 1;

let nextConnectionId = 1;

function truncateReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > MAX_CLOSE_REASON_BYTES) out = out.slice(0, -1);
  return out;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class Connection {
  readonly id = nextConnectionId++;
  private phaseValue: ConnectionPhase = 'awaiting-join';
  /** The session this socket carries, once joined (null again when the session ends or moves). */
  session: LocalSession | null = null;
  /** Frames waiting for the one being handled (a store round trip) to finish, in order (null: none yet). */
  private backlog: (() => void | Promise<void>)[] | null = null;
  private handling = false;
  private joinTimer: NodeJS.Timeout | null;
  // Per-connection state is made when first needed: an idle connection holds only what it uses.
  private closedPromise: Promise<void> | null = null;
  private resolveClosed: (() => void) | null = null;
  private socketClosed = false;
  private readonly controlBucket: TokenBucket;
  /** Made at the first data frame (a bucket starts full, so a late one behaves the same). */
  private dataBucket: TokenBucket | null = null;
  private drops: DropMeter | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: ConnectionLimits,
    private readonly handlers: ConnectionHandlers,
    private readonly parentLog: Logger,
    private readonly remoteAddress: string | undefined,
    private readonly counters: ServerCounters,
  ) {
    this.controlBucket = new TokenBucket(limits.controlRate);
    this.joinTimer = setTimeout(() => this.onJoinTimeout(), limits.joinTimeoutMs);
    this.joinTimer.unref();
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', (err: Error & { code?: string }) => {
      // ws has already closed the socket (1002, 1007, 1009...) when it reports a frame error.
      this.log.warn({ err: err.message, code: err.code }, 'socket error');
    });
    ws.on('close', (code, reason) => this.onSocketClose(code, reason));
  }

  /** Settles once the socket has closed (whoever closed it). */
  get closed(): Promise<void> {
    this.closedPromise ??= this.socketClosed ? Promise.resolve() : new Promise<void>((resolve) => (this.resolveClosed = resolve));
    return this.closedPromise;
  }

  /** This connection's logger (made per use: logging is rare, and a child kept per connection is not free). */
  get log(): Logger {
    return this.parentLog.child({ conn: this.id, remote: this.remoteAddress });
  }

  get phase(): ConnectionPhase {
    return this.phaseValue;
  }

  /** Called by the session registry once the socket carries a session. */
  markJoined(session: LocalSession): void {
    this.clearJoinTimer();
    this.session = session;
    this.phaseValue = 'joined';
  }

  send(frame: ServerFrame): void {
    this.sendText(encodeFrame(frame));
  }

  /** Sends an already encoded frame (fan-out encodes once). */
  sendText(text: string): void {
    if (!this.canSend()) return;
    this.counters.framesOut++;
    this.counters.bytesOut += Buffer.byteLength(text);
    this.ws.send(text);
  }

  /** Sends binary bytes (stream data, a heartbeat sent back); false when not sent (socket not open, or closed as a slow consumer). */
  sendData(bytes: Uint8Array): boolean {
    if (!this.canSend()) return false;
    this.counters.framesOut++;
    this.counters.bytesOut += bytes.byteLength;
    this.ws.send(bytes); // a Uint8Array goes out as a binary frame (no options object per frame)
    return true;
  }

  /**
   * A peer that does not read makes everything sent to it pile up in this process. Past
   * maxBufferedBytes the socket is closed (4430) rather than buffered without bound; what is
   * queued is bounded by maxBufferedBytes plus one frame. The client may reconnect and resume.
   */
  private canSend(): boolean {
    if (this.ws.readyState !== OPEN) return false;
    const buffered = this.ws.bufferedAmount;
    if (buffered < this.limits.maxBufferedBytes) return true;
    this.counters.slowConsumerCloses++;
    this.log.warn({ buffered, limit: this.limits.maxBufferedBytes }, 'slow consumer: disconnected');
    this.close(CloseCode.SLOW_CONSUMER, `slow consumer: over ${this.limits.maxBufferedBytes} bytes queued`);
    return false;
  }

  /** Error frame (if the socket is open), then a close with `closeCode`. */
  fail(code: ErrorCode, closeCode: number, message: string): void {
    if (this.phaseValue === 'closed') return;
    this.send({ type: 'error', code, message: message.slice(0, MAX_ERROR_MESSAGE_LENGTH) });
    this.close(closeCode, message);
  }

  close(code: number, reason: string): void {
    if (this.phaseValue === 'closed') return;
    this.phaseValue = 'closed';
    this.clearJoinTimer();
    try {
      this.ws.close(code, truncateReason(reason));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'close failed; terminating');
      this.ws.terminate();
    }
  }

  terminate(): void {
    this.phaseValue = 'closed';
    this.clearJoinTimer();
    this.ws.terminate();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.phaseValue === 'closed') return;
    // The heartbeat, told apart by its first byte, skips every decoder (src/heartbeat-frame.ts).
    if (isBinary && this.phaseValue === 'joined' && Buffer.isBuffer(data) && isHeartbeatFrame(data)) return this.onHeartbeat(data);
    const bucket = isBinary ? (this.dataBucket ??= new TokenBucket(this.limits.dataRate)) : this.controlBucket;
    if (!bucket.take()) return this.onRateLimited(isBinary);
    this.counters.framesIn++;
    try {
      const buf = toBuffer(data);
      this.counters.bytesIn += buf.length;
      if (isBinary) this.onBinary(buf);
      else this.onText(buf);
    } catch (err) {
      this.onHandlerError(err);
    }
  }

  /** Same limits and counters as a control frame; nothing allocated beyond what ws does to send. */
  private onHeartbeat(frame: Buffer): void {
    if (!this.controlBucket.take()) return this.onRateLimited(false);
    this.counters.framesIn++;
    this.counters.bytesIn += frame.length;
    if (!isValidHeartbeat(frame)) return this.onHandlerError(new ProtocolError(`heartbeat frame of ${frame.length} bytes`));
    this.handlers.onHeartbeat(this, frame);
  }

  private onHandlerError(err: unknown): void {
    if (err instanceof ProtocolError) {
      this.counters.protocolErrors++;
      this.log.warn({ reason: err.message }, 'bad frame');
      // Before the join it refuses the join (stop range); on a joined socket the client reconnects afresh (retry range).
      this.fail('PROTOCOL_ERROR', this.phaseValue === 'awaiting-join' ? CloseCode.JOIN_REFUSED : CloseCode.PROTOCOL_ERROR, err.message);
    } else {
      this.log.error({ err }, 'frame handler failed');
      this.fail('SERVER_ERROR', CloseCode.INTERNAL_ERROR, 'internal server error');
    }
  }

  private onText(buf: Buffer): void {
    if (buf.length > this.limits.maxControlFrameBytes) {
      return this.tooBig(`control frame of ${buf.length} bytes exceeds ${this.limits.maxControlFrameBytes}`);
    }
    const frame = decodeClientFrame(buf.toString('utf8'));
    // While the join is being handled, later frames wait their turn (the client sent them after it).
    if (this.phaseValue === 'awaiting-join' && frame.type !== 'join' && !this.handling) {
      throw new ProtocolError(`first frame must be join, got ${frame.type}`);
    }
    if (frame.type === 'ping' && this.phaseValue === 'joined') return this.handlers.onPing(this, frame.ts);
    this.run(() => this.handlers.onFrame(this, frame));
  }

  private onBinary(buf: Buffer): void {
    if (buf.length > this.limits.maxDataFrameBytes) {
      return this.tooBig(`data frame of ${buf.length} bytes exceeds ${this.limits.maxDataFrameBytes}`);
    }
    // During the join's round trip a data frame waits its turn; the handler checks the join held.
    if (this.phaseValue !== 'joined' && !this.handling) throw new ProtocolError('first frame must be join, got a binary frame');
    const header = decodeDataHeader(buf);
    const payload = buf.subarray(header.payloadOffset);
    this.run(() => this.handlers.onData(this, header, payload));
  }

  /** Runs a frame's handler now, or after the frames before it when one of them is still being handled. */
  private run(handle: () => void | Promise<void>): void {
    if (this.handling) {
      (this.backlog ??= []).push(handle);
      return;
    }
    let pending: void | Promise<void>;
    try {
      pending = handle();
    } catch (err) {
      return this.onHandlerError(err);
    }
    if (!pending) return;
    this.handling = true;
    pending.then(
      () => this.next(),
      (err: unknown) => {
        this.onHandlerError(err);
        this.next();
      },
    );
  }

  private next(): void {
    this.handling = false;
    while (!this.handling && this.backlog && this.backlog.length > 0 && this.phaseValue !== 'closed') this.run(this.backlog.shift()!);
    if (this.phaseValue === 'closed' || this.backlog?.length === 0) this.backlog = null;
  }

  /** The frame is dropped unread; the client is told (at most once a second), or cut off if it keeps on. */
  private onRateLimited(isBinary: boolean): void {
    this.counters.framesDropped++;
    const limit = isBinary ? this.limits.dataRate : this.limits.controlRate;
    const kind = isBinary ? 'data' : 'control';
    switch ((this.drops ??= new DropMeter(this.limits.rateLimitMaxDropped)).record()) {
      case 'abuse':
        this.counters.rateLimitCloses++;
        this.log.warn({ kind }, 'rate limit exceeded persistently: disconnected');
        this.fail('RATE_LIMITED', CloseCode.RATE_LIMITED, 'message rate limit exceeded persistently');
        return;
      case 'notify':
        this.log.info({ kind }, 'rate limit exceeded: frames dropped');
        this.send({ type: 'error', code: 'RATE_LIMITED', message: `over ${limit.perSecond} ${kind} frames/s (burst ${limit.burst}): frames dropped` });
        return;
      case 'quiet':
        return;
    }
  }

  private tooBig(message: string): void {
    this.counters.protocolErrors++;
    this.log.warn({ reason: message }, 'bad frame');
    this.fail('PROTOCOL_ERROR', CloseCode.TOO_BIG, message);
  }

  private onJoinTimeout(): void {
    this.joinTimer = null;
    if (this.phaseValue !== 'awaiting-join') return;
    this.counters.joinTimeouts++;
    const message = `no join frame within ${this.limits.joinTimeoutMs} ms`;
    this.log.info({ joinTimeoutMs: this.limits.joinTimeoutMs }, 'join timeout');
    this.fail('TIMEOUT', CloseCode.JOIN_TIMEOUT, message);
  }

  private onSocketClose(code: number, reason: Buffer): void {
    this.phaseValue = 'closed';
    this.clearJoinTimer();
    if (this.parentLog.isLevelEnabled('debug')) this.log.debug({ code, reason: reason.toString() }, 'socket closed');
    this.socketClosed = true;
    this.resolveClosed?.();
    try {
      this.handlers.onClose(this);
    } catch (err) {
      this.log.error({ err }, 'close handler failed');
    }
  }

  private clearJoinTimer(): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = null;
  }
}
