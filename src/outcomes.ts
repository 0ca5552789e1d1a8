/**
 * How the server ends a client's stay, seen from both ends, in one table: the server sends the
 * row's error frame (refused join) or `kicked` frame (joined session), then closes with its close
 * code; the client maps whichever of the three it sees to the same row, and so to the same error
 * code, state-change reason and `token-privilege-did-expire` event.
 *
 * Close codes carry their meaning by range (docs/protocol.md, Close codes): 4000-4499 are causes
 * the client retries (it reconnects and resumes), 4500-4999 end the session for good. A client
 * stops on any code of the stop range, also one newer than itself, so a server can add verdicts
 * without older clients looping on them.
 */
import type { ErrorCode } from './errors.js';
import type { ConnectionChangeReason } from './types.js';
import type { KickReason } from './wire-words.js';

/**
 * The close codes the client sends, or reads as an outcome: all the worker needs of the table
 * below, kept apart so that the codes only the server sends stay out of the worker's bundle.
 */
export const ClientCloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /** Sent by the client when it abandons a socket (lost link, failed attempt) to open a new one. */
  CLIENT_RESET: 4000,
  // ---- 4500-4999: the session is over ----
  /** The join itself was refused: an unsupported protocol version or an unusable join frame. */
  JOIN_REFUSED: 4500,
  INVALID_TOKEN: 4501,
  TOKEN_EXPIRED: 4502,
  /** The token forbids what the join asked for (a role, attributes). */
  NO_PERMISSION: 4503,
  INVALID_PARAMS: 4506,
  UID_REPLACED: 4509,
  CHANNEL_FULL: 4510,
  /** The server ended the session for a failure of its own. */
  SERVER_ENDED: 4511,
  /** The backend kicked the member (server API). */
  KICKED: 4512,
  /** The backend banned the uid from the channel for a while: its joins are refused. */
  BANNED: 4513,
} as const;

/**
 * WebSocket close codes used by the server (and the client's own reset), so either end, or a log
 * reader, knows why. Built by a call marked pure, so that the worker, which reads ClientCloseCode
 * only, drops it.
 */
export const CloseCode = /* @__PURE__ */ Object.assign({}, ClientCloseCode, {
  TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  // ---- 4000-4499: the client retries (it reads them by their range) ----
  /** A malformed frame on a joined socket: the client reconnects afresh. */
  PROTOCOL_ERROR: 4400,
  JOIN_TIMEOUT: 4408,
  RATE_LIMITED: 4429,
  SLOW_CONSUMER: 4430,
  SESSION_EXPIRED: 4440,
  /**
   * The node is taking joins as fast as it can: it deferred this one (an error frame SERVER_BUSY
   * with `retryAfterMs` came first) and the client tries again after that wait, not sooner.
   */
  SERVER_BUSY: 4453,
} as const);

/** The first and last close code of each range. */
export const RETRY_CLOSE_CODES = { from: 4000, to: 4499 } as const;
export const STOP_CLOSE_CODES = { from: 4500, to: 4999 } as const;

/** Whether a close code ends the session for good (the stop range), known to this client or not. */
export const isStopCloseCode = (code: number): boolean => code >= STOP_CLOSE_CODES.from && code <= STOP_CLOSE_CODES.to;

export interface Outcome {
  /** Code of the error frame, of the rejected join() and of every request it cuts short. */
  readonly code: ErrorCode;
  /** The close that follows, in the stop range. */
  readonly closeCode: number;
  /** The `kicked` reason when a joined session is ended this way. */
  readonly kicked: KickReason | null;
  /** The client's connection-state-change reason (to DISCONNECTED). */
  readonly reason: ConnectionChangeReason;
  /** The app also hears `token-privilege-did-expire`. */
  readonly didExpire: boolean;
  /** An error frame with this code refuses a join for good (false: a transient failure, retried). */
  readonly refusesJoin: boolean;
}

export const OUTCOMES: readonly Outcome[] = [
  { code: 'PROTOCOL_ERROR', closeCode: ClientCloseCode.JOIN_REFUSED, kicked: null, reason: 'SERVER_ERROR', didExpire: false, refusesJoin: true },
  { code: 'INVALID_TOKEN', closeCode: ClientCloseCode.INVALID_TOKEN, kicked: 'INVALID_TOKEN', reason: 'INVALID_TOKEN', didExpire: false, refusesJoin: true },
  { code: 'TOKEN_EXPIRED', closeCode: ClientCloseCode.TOKEN_EXPIRED, kicked: 'TOKEN_EXPIRE', reason: 'TOKEN_EXPIRE', didExpire: true, refusesJoin: true },
  { code: 'INVALID_PARAMS', closeCode: ClientCloseCode.INVALID_PARAMS, kicked: null, reason: 'SERVER_ERROR', didExpire: false, refusesJoin: true },
  { code: 'UID_CONFLICT', closeCode: ClientCloseCode.UID_REPLACED, kicked: 'UID_BANNED', reason: 'UID_BANNED', didExpire: false, refusesJoin: true },
  { code: 'CHANNEL_FULL', closeCode: ClientCloseCode.CHANNEL_FULL, kicked: null, reason: 'SERVER_ERROR', didExpire: false, refusesJoin: true },
  { code: 'NO_PERMISSION', closeCode: ClientCloseCode.NO_PERMISSION, kicked: null, reason: 'SERVER_ERROR', didExpire: false, refusesJoin: true },
  { code: 'BANNED', closeCode: ClientCloseCode.BANNED, kicked: null, reason: 'KICKED', didExpire: false, refusesJoin: true },
  { code: 'CLOSED', closeCode: ClientCloseCode.KICKED, kicked: 'KICKED', reason: 'KICKED', didExpire: false, refusesJoin: false },
  { code: 'SERVER_ERROR', closeCode: ClientCloseCode.SERVER_ENDED, kicked: 'SERVER_ERROR', reason: 'SERVER_ERROR', didExpire: false, refusesJoin: false },
];

/** What a stop-range close code this client does not know means: the session is over, for a reason of the server's. */
const UNKNOWN_STOP = OUTCOMES.find((o) => o.code === 'SERVER_ERROR')!;

const byCode = new Map(OUTCOMES.filter((o) => o.refusesJoin).map((o) => [o.code, o]));
const byClose = new Map(OUTCOMES.map((o) => [o.closeCode, o]));
const byKick = new Map(OUTCOMES.filter((o) => o.kicked !== null).map((o) => [o.kicked!, o]));

/** The outcome of an error frame that refuses a join for good, if `code` is one. */
export const outcomeOfRefusal = (code: ErrorCode): Outcome | undefined => byCode.get(code);
/** The outcome a close code announces: a row for a stop-range code (the generic one if unknown), undefined for anything the client retries. */
export const outcomeOfClose = (closeCode: number): Outcome | undefined =>
  isStopCloseCode(closeCode) ? (byClose.get(closeCode) ?? UNKNOWN_STOP) : undefined;
/** The outcome of a `kicked` frame. */
export const outcomeOfKick = (reason: KickReason): Outcome => byKick.get(reason)!;
