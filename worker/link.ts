/**
 * The link to the server: one transport, the connect/handshake attempt loop with its backoff,
 * and the heartbeat once joined. It knows nothing of channel semantics; the engine decides what
 * a join, a loss or a rejection means for the app.
 */
import { ClientCloseCode as CloseCode, outcomeOfClose, outcomeOfKick, outcomeOfRefusal, type Outcome } from '../src/outcomes.js';
import {
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
import type { SerializedCause } from '../src/errors.js';
import { encodeHeartbeat, heartbeatTimestamp, isHeartbeatFrame } from '../src/heartbeat-frame.js';
import type { EngineOptions } from '../src/types.js';
import { closedFailure, protocolFailure, timeoutFailure, type AttemptFailure, type RecordedFailure } from './attempt-failure.js';
import { createBackoffPolicy } from './backoff.js';
import { TimerGroup, type EngineEnv, type TimerHandle } from './env.js';
import { Heartbeat } from './heartbeat.js';
import { LinkPhaseMachine } from './link-phase.js';
import { ReconnectPolicy, type Budget } from './reconnect-policy.js';
import { ServerRotation } from './server-rotation.js';
import { Transport } from './transport.js';

export type LossReason = 'NETWORK_ERROR' | 'TIMEOUT';

/** What the link passes on once joined: every server frame but the handshake's and the heartbeat's, which it consumes. */
export type LinkFrame = Exclude<ServerFrame, { type: 'joined' | 'pong' }>;

export interface LinkHandlers {
  onJoined(frame: JoinedFrame): void;
  onFrame(frame: LinkFrame): void;
  onData(frame: ServerDataFrame): void;
  /** A joined link was lost; the link is already retrying. */
  onLost(reason: LossReason): void;
  /** The server refused us for good (bad token, banned, ...); the link has stopped. */
  onRejected(outcome: Outcome, message: string): void;
  /** The budget ran out: a join past `joinTimeoutMs`, or a reconnect past `reconnect.giveUpAfterMs`; the link has stopped. */
  onGiveUp(budget: Budget): void;
  /** A connection attempt failed (`attempt` counts from 1 since start() or the loss); the link retries unless it gives up. */
  onAttemptFailed(failure: RecordedFailure, attempt: number): void;
  /** A frame from the server failed validation (reported, then the link reconnects). */
  onProtocolError(error: ProtocolError): void;
}

export class Link {
  private readonly transport: Transport;
  private readonly heartbeat: Heartbeat;
  private readonly timers: TimerGroup;
  private readonly policy: ReconnectPolicy;
  private readonly phase = new LinkPhaseMachine();
  private readonly servers: ServerRotation;
  /** Completed rounds of every URL since the link was lost (or join began): the backoff grows with them. */
  private attempt = 0;
  private attemptTimer: TimerHandle | undefined;
  /** The wait a busy server asked for (SERVER_BUSY), taken by the next retry instead of the backoff's. */
  private retryAfterMs: number | undefined;
  private retryTimer: TimerHandle | undefined;
  /** The join's deadline (joinTimeoutMs after start()), cleared once joined. */
  private deadlineTimer: TimerHandle | undefined;
  private buildJoin: (() => JoinFrame) | null = null;
  private reconnectCount = 0;
  /** Failed attempts since start() or the last loss, and how the last one failed. */
  private failures = 0;
  private lastFailureValue: RecordedFailure | null = null;

  constructor(
    private readonly env: EngineEnv,
    private readonly options: EngineOptions,
    private readonly handlers: LinkHandlers,
  ) {
    this.timers = new TimerGroup(env.timers);
    this.servers = new ServerRotation(options.urls);
    this.policy = new ReconnectPolicy(options, createBackoffPolicy(options.reconnect, env.random), env.clock);
    this.transport = new Transport(env.WebSocket, env.timers, {
      onOpen: () => this.handleOpen(),
      onText: (text) => this.handleText(text),
      onBinary: (bytes) => this.handleBinary(bytes),
      onClose: (code, reason, error) => this.handleClose(code, reason, error),
    });
    this.heartbeat = new Heartbeat(
      env.clock,
      env.timers,
      { intervalMs: options.heartbeatIntervalMs, timeoutMs: options.connectionTimeoutMs },
      {
        sendPing: (ts) => this.transport.send(encodeHeartbeat(ts)),
        onTimeout: () => this.lose('TIMEOUT'),
      },
    );
  }

  get isJoined(): boolean {
    return this.phase.current === 'joined';
  }

  /** The URL the link tries (or holds) now. */
  get currentUrl(): string {
    return this.servers.current;
  }

  /** How the last failed attempt since start() or the last loss failed (null: none failed yet). */
  get lastFailure(): RecordedFailure | null {
    return this.lastFailureValue;
  }

  /** Connection attempts that failed since start() or the last loss. */
  get failedAttempts(): number {
    return this.failures;
  }

  /** The downlink's score on the joined link (docs/behaviour.md, Network quality). */
  get downlinkScore() {
    return this.heartbeat.downlinkScore;
  }

  get stats() {
    return { rttMs: this.heartbeat.rttMs, reconnects: this.reconnectCount, bufferedAmount: this.transport.bufferedAmount };
  }

  /** Starts connecting now; `buildJoin` is called for each attempt so it carries current state. */
  start(buildJoin: () => JoinFrame): void {
    this.stop();
    this.buildJoin = buildJoin;
    this.attempt = 0;
    this.servers.reset();
    this.failures = 0;
    this.lastFailureValue = null;
    this.policy.begin('join');
    // A join ends at its deadline, whatever attempt is under way then.
    this.deadlineTimer = this.timers.set(() => this.giveUp(), this.policy.hardDeadlineMs()!);
    this.connectNow();
  }

  stop(): void {
    this.phase.to('idle');
    this.timers.clearAll();
    this.heartbeat.stop();
    this.transport.close(CloseCode.NORMAL, 'client stopped');
  }

  /** The server is shutting down (`server-closing`): go to the next server at once. */
  serverClosing(): void {
    this.abandonSocket(closedFailure('handshaking', CloseCode.GOING_AWAY, 'the server is shutting down', undefined));
  }

  /** The network is back: skip the remaining backoff. */
  retryNow(): void {
    if (this.phase.current !== 'waiting') return;
    this.timers.clear(this.retryTimer);
    this.connectNow();
  }

  send(frame: ClientFrame): boolean {
    return this.transport.send(encodeFrame(frame));
  }

  sendBinary(bytes: Uint8Array): boolean {
    return this.isJoined && this.transport.send(bytes);
  }

  setNetworkLoss(lost: boolean): void {
    this.transport.setNetworkLoss(lost);
  }

  setLatency(ms: number): void {
    this.transport.setLatency(ms);
  }

  private connectNow(): void {
    this.phase.to('opening');
    this.transport.connect(this.servers.current);
    // One deadline bounds socket open plus handshake.
    this.attemptTimer = this.timers.set(
      () => this.attemptFailed(timeoutFailure(this.stage(), this.options.connectionTimeoutMs)),
      this.options.connectionTimeoutMs,
    );
  }

  private handleOpen(): void {
    if (this.phase.current !== 'opening' || !this.buildJoin) return;
    this.phase.to('handshaking');
    this.send(this.buildJoin());
  }

  private handleText(text: string): void {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(text);
    } catch (error) {
      this.handlers.onProtocolError(error as ProtocolError);
      this.dropSocket(protocolFailure((error as ProtocolError).message));
      return;
    }
    this.heartbeat.onInbound();
    if (frame.type === 'pong') {
      this.heartbeat.onPong(frame.ts);
      return;
    }
    if (this.phase.current === 'handshaking') {
      if (frame.type === 'joined') {
        this.timers.clear(this.attemptTimer);
        this.timers.clear(this.deadlineTimer);
        this.phase.to('joined');
        this.attempt = 0;
        this.heartbeat.start();
        this.handlers.onJoined(frame);
        return;
      }
      const refusal = refusalIn(frame);
      if (refusal) {
        this.reject(refusal.outcome, refusal.message);
        return;
      }
      // SERVER_BUSY: deferred, not refused (docs/protocol.md, Close codes); its close follows, and
      // the retry after it waits as long as the server asked (only an error frame has the field).
      this.retryAfterMs = (frame as { retryAfterMs?: number }).retryAfterMs;
    }
    if (this.isJoined && frame.type !== 'joined') this.handlers.onFrame(frame);
  }

  private handleBinary(bytes: Uint8Array): void {
    if (!this.isJoined) return;
    this.heartbeat.onInbound();
    let frame: ServerDataFrame;
    try {
      // The server's echo of our heartbeat (src/heartbeat-frame.ts): the round-trip time.
      if (isHeartbeatFrame(bytes)) return this.heartbeat.onPong(heartbeatTimestamp(bytes));
      frame = decodeServerData(bytes);
    } catch (error) {
      // A server that sends garbage cannot be trusted with the rest of this stream: start afresh.
      this.handlers.onProtocolError(error as ProtocolError);
      this.dropSocket(protocolFailure((error as ProtocolError).message));
      return;
    }
    this.handlers.onData(frame);
  }

  private handleClose(code: number, reason: string, error?: SerializedCause): void {
    // A stop-range code ends the session, also one this client does not know (outcomes.ts).
    const outcome = outcomeOfClose(code);
    if (outcome && this.phase.current !== 'idle') {
      this.reject(outcome, reason || `closed by the server (${code})`);
      return;
    }
    this.abandonSocket(closedFailure(this.stage(), code, reason, error, this.env.describeSocketError));
  }

  /** Abandons the current socket and lets the normal loss path reconnect. */
  dropSocket(failure: AttemptFailure): void {
    this.transport.close(CloseCode.CLIENT_RESET, 'dropped by client');
    this.abandonSocket(failure);
  }

  private abandonSocket(failure: AttemptFailure): void {
    if (this.isJoined) this.lose('NETWORK_ERROR');
    else if (this.phase.attempting) this.attemptFailed(failure);
  }

  private stage(): 'opening' | 'handshaking' {
    return this.phase.current === 'handshaking' ? 'handshaking' : 'opening';
  }

  private lose(reason: LossReason): void {
    if (!this.isJoined) return;
    this.heartbeat.stop();
    this.transport.close(CloseCode.CLIENT_RESET, 'link lost');
    this.policy.begin('reconnect');
    this.attempt = 0;
    this.failures = 0;
    this.lastFailureValue = null;
    this.reconnectCount++;
    this.servers.lost();
    this.scheduleRetry(true);
    this.handlers.onLost(reason);
  }

  private attemptFailed(failure: AttemptFailure): void {
    this.timers.clear(this.attemptTimer);
    this.transport.close(CloseCode.CLIENT_RESET, 'attempt failed');
    this.lastFailureValue = { ...failure, url: this.servers.current };
    this.handlers.onAttemptFailed(this.lastFailureValue, ++this.failures);
    this.scheduleRetry(this.servers.failed());
  }

  /** Within a round the next URL is tried after the short first-retry jitter; a full round backs off. */
  private scheduleRetry(roundComplete: boolean): void {
    const delay = this.policy.nextDelay(roundComplete ? this.attempt++ : 0, this.retryAfterMs);
    this.retryAfterMs = undefined;
    if (delay === null) return this.giveUp();
    this.phase.to('waiting');
    this.retryTimer = this.timers.set(() => this.connectNow(), delay);
  }

  private giveUp(): void {
    this.stop();
    this.handlers.onGiveUp(this.policy.budget);
  }

  private reject(outcome: Outcome, message: string): void {
    this.stop();
    this.handlers.onRejected(outcome, message);
  }
}

/** A handshake reply that refuses the join for good: a kick, or an error frame with a terminal code. */
function refusalIn(frame: ServerFrame): { outcome: Outcome; message: string } | null {
  if (frame.type === 'kicked') return { outcome: outcomeOfKick(frame.reason), message: frame.message };
  if (frame.type !== 'error' || frame.id !== undefined) return null;
  const outcome = outcomeOfRefusal(frame.code);
  return outcome ? { outcome, message: frame.message } : null;
}
