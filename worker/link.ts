/**
 * The link to the server: one transport, the connect/handshake attempt loop with its backoff,
 * and the heartbeat once joined. It knows nothing of channel semantics; the engine decides what
 * a join, a loss or a rejection means for the app.
 */
import { ChannelLinkError } from '../src/errors.js';
import {
  CloseCode,
  ProtocolError,
  decodeServerData,
  decodeServerFrame,
  encodeFrame,
  type ClientFrame,
  type JoinFrame,
  type JoinedFrame,
  type ServerDataFrame,
  type ServerFrame,
} from '../src/protocol.js';
import type { EngineOptions } from '../src/types.js';
import { createBackoffPolicy, type BackoffPolicy } from './backoff.js';
import { TimerGroup, type EngineEnv, type TimerHandle } from './env.js';
import { Heartbeat } from './heartbeat.js';
import { Transport } from './transport.js';

export type LossReason = 'NETWORK_ERROR' | 'TIMEOUT';

export interface LinkHandlers {
  onJoined(frame: JoinedFrame): void;
  onFrame(frame: Exclude<ServerFrame, JoinedFrame>): void;
  onData(frame: ServerDataFrame): void;
  /** A joined link was lost; the link is already retrying. */
  onLost(reason: LossReason): void;
  /** The server refused us for good (bad token, banned, ...); the link has stopped. */
  onRejected(error: ChannelLinkError, closeCode?: number): void;
  /** Reconnect gave up after `reconnect.giveUpAfterMs`; the link has stopped. */
  onGiveUp(): void;
  /** A frame from the server failed validation (reported, then the link reconnects). */
  onProtocolError(error: ProtocolError): void;
}

type Phase = 'idle' | 'waiting' | 'opening' | 'handshaking' | 'joined';

/** Error codes that end a join attempt for good instead of being retried. */
const TERMINAL_CODES = new Set(['INVALID_TOKEN', 'TOKEN_EXPIRED', 'INVALID_PARAMS', 'CHANNEL_FULL', 'UID_CONFLICT', 'PROTOCOL_ERROR']);
const TERMINAL_CLOSES = new Map<number, ChannelLinkError['code']>([
  [CloseCode.INVALID_TOKEN, 'INVALID_TOKEN'],
  [CloseCode.TOKEN_EXPIRED, 'TOKEN_EXPIRED'],
  [CloseCode.UID_REPLACED, 'UID_CONFLICT'],
  [CloseCode.KICKED, 'UID_CONFLICT'],
  [CloseCode.CHANNEL_FULL, 'CHANNEL_FULL'],
]);

export class Link {
  private readonly transport: Transport;
  private readonly heartbeat: Heartbeat;
  private readonly timers: TimerGroup;
  private readonly backoff: BackoffPolicy;
  private phase: Phase = 'idle';
  private attempt = 0;
  private lostAt = 0;
  private attemptTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private buildJoin: (() => JoinFrame) | null = null;
  private reconnectCount = 0;

  constructor(
    private readonly env: EngineEnv,
    private readonly options: EngineOptions,
    private readonly handlers: LinkHandlers,
  ) {
    this.timers = new TimerGroup(env.timers);
    this.backoff = createBackoffPolicy(options.reconnect, env.random);
    this.transport = new Transport(env.WebSocket, {
      onOpen: () => this.handleOpen(),
      onText: (_gen, text) => this.handleText(text),
      onBinary: (_gen, bytes) => this.handleBinary(bytes),
      onClose: (_gen, code, reason) => this.handleClose(code, reason),
    });
    this.heartbeat = new Heartbeat(
      env.clock,
      env.timers,
      { intervalMs: options.heartbeatIntervalMs, timeoutMs: options.connectionTimeoutMs },
      {
        sendPing: (ts) => this.send({ type: 'ping', ts }),
        onTimeout: () => this.lose('TIMEOUT'),
      },
    );
  }

  get isJoined(): boolean {
    return this.phase === 'joined';
  }

  get stats() {
    return { rttMs: this.heartbeat.rttMs, reconnects: this.reconnectCount, bufferedAmount: this.transport.bufferedAmount };
  }

  /** Starts connecting now; `buildJoin` is called for each attempt so it carries current state. */
  start(buildJoin: () => JoinFrame): void {
    this.stop();
    this.buildJoin = buildJoin;
    this.attempt = 0;
    this.lostAt = this.env.clock.now();
    this.connectNow();
  }

  stop(): void {
    this.phase = 'idle';
    this.timers.clearAll();
    this.heartbeat.stop();
    this.transport.close(1000, 'client stopped');
  }

  /** The network is back (or the server asked us to move): skip the remaining backoff. */
  retryNow(): void {
    if (this.phase !== 'waiting') return;
    this.timers.clear(this.retryTimer);
    this.connectNow();
  }

  send(frame: ClientFrame): boolean {
    return this.transport.send(encodeFrame(frame));
  }

  sendBinary(bytes: Uint8Array): boolean {
    return this.phase === 'joined' && this.transport.send(bytes);
  }

  setNetworkLoss(lost: boolean): void {
    this.transport.setNetworkLoss(lost);
  }

  private connectNow(): void {
    this.phase = 'opening';
    this.transport.connect(this.options.url);
    // One deadline bounds socket open plus handshake.
    this.attemptTimer = this.timers.set(() => this.attemptFailed(), this.options.connectionTimeoutMs);
  }

  private handleOpen(): void {
    if (this.phase !== 'opening' || !this.buildJoin) return;
    this.phase = 'handshaking';
    this.send(this.buildJoin());
  }

  private handleText(text: string): void {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(text);
    } catch (error) {
      this.handlers.onProtocolError(error as ProtocolError);
      this.dropSocket();
      return;
    }
    this.heartbeat.onInbound();
    if (frame.type === 'pong') {
      this.heartbeat.onPong(frame.ts);
      return;
    }
    if (this.phase === 'handshaking') {
      if (frame.type === 'joined') {
        this.timers.clear(this.attemptTimer);
        this.phase = 'joined';
        this.attempt = 0;
        this.heartbeat.start();
        this.handlers.onJoined(frame);
        return;
      }
      if (frame.type === 'error' && frame.id === undefined && TERMINAL_CODES.has(frame.code)) {
        this.reject(new ChannelLinkError(frame.code, frame.message));
        return;
      }
      if (frame.type === 'kicked') {
        this.reject(new ChannelLinkError(frame.reason === 'UID_BANNED' ? 'UID_CONFLICT' : 'INVALID_TOKEN', frame.message));
        return;
      }
    }
    if (this.phase === 'joined' && frame.type !== 'joined') this.handlers.onFrame(frame);
  }

  private handleBinary(bytes: Uint8Array): void {
    if (this.phase !== 'joined') return;
    this.heartbeat.onInbound();
    let frame: ServerDataFrame;
    try {
      frame = decodeServerData(bytes);
    } catch (error) {
      // A server that sends garbage cannot be trusted with the rest of this stream: start afresh.
      this.handlers.onProtocolError(error as ProtocolError);
      this.dropSocket();
      return;
    }
    this.handlers.onData(frame);
  }

  private handleClose(code: number, reason: string): void {
    const terminal = TERMINAL_CLOSES.get(code);
    if (terminal && this.phase !== 'idle') {
      this.reject(new ChannelLinkError(terminal, reason || `closed by the server (${code})`), code);
      return;
    }
    if (this.phase === 'joined') this.lose('NETWORK_ERROR');
    else if (this.phase === 'opening' || this.phase === 'handshaking') this.attemptFailed();
  }

  /** Abandons the current socket and lets the normal loss path reconnect. */
  dropSocket(): void {
    this.transport.close(4000, 'dropped by client');
    if (this.phase === 'joined') this.lose('NETWORK_ERROR');
    else if (this.phase === 'opening' || this.phase === 'handshaking') this.attemptFailed();
  }

  private lose(reason: LossReason): void {
    if (this.phase !== 'joined') return;
    this.heartbeat.stop();
    this.transport.close(4000, 'link lost');
    this.lostAt = this.env.clock.now();
    this.attempt = 0;
    this.reconnectCount++;
    this.scheduleRetry();
    this.handlers.onLost(reason);
  }

  private attemptFailed(): void {
    this.timers.clear(this.attemptTimer);
    this.transport.close(4000, 'attempt failed');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const delay = this.backoff(this.attempt, { elapsedMs: this.env.clock.now() - this.lostAt });
    this.attempt++;
    if (delay === null) {
      this.stop();
      this.handlers.onGiveUp();
      return;
    }
    this.phase = 'waiting';
    this.retryTimer = this.timers.set(() => this.connectNow(), delay);
  }

  private reject(error: ChannelLinkError, closeCode?: number): void {
    this.stop();
    this.handlers.onRejected(error, closeCode);
  }
}
