/**
 * How the server ends a client's stay, seen from both ends, in one table: the server sends the
 * row's error frame (refused join) or `kicked` frame (joined session), then closes with its close
 * code; the client maps whichever of the three it sees to the same row, and so to the same error
 * code, state-change reason and `token-privilege-did-expire` event. These verdicts are terminal:
 * the client does not reconnect. Every other close is a "will retry" cause.
 */
import type { ErrorCode } from './errors.js';
import type { ConnectionChangeReason } from './types.js';
import type { KickReason } from './wire-words.js';

/** WebSocket close codes used by the server, so a client (or a log reader) knows why. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  PROTOCOL_ERROR: 4400,
  INVALID_TOKEN: 4401,
  TOKEN_EXPIRED: 4402,
  JOIN_TIMEOUT: 4408,
  UID_REPLACED: 4409,
  CHANNEL_FULL: 4410,
  RATE_LIMITED: 4429,
  SLOW_CONSUMER: 4430,
  SESSION_EXPIRED: 4440,
  /** Sent by the client when it abandons a socket (lost link, failed attempt) to open a new one. */
  CLIENT_RESET: 4000,
} as const;

export interface Verdict {
  /** Code of the error frame, of the rejected join() and of every request it cuts short. */
  readonly code: ErrorCode;
  /**
   * The close that follows. Null: the generic protocol-error close (4400), which also ends
   * sessions for a bad frame; the verdict is then recognised by its error frame only.
   */
  readonly closeCode: number | null;
  /** The `kicked` reason when a joined session is ended this way. */
  readonly kicked: KickReason | null;
  /** The client's connection-state-change reason (to DISCONNECTED). */
  readonly reason: ConnectionChangeReason;
  /** The app also hears `token-privilege-did-expire`. */
  readonly didExpire: boolean;
  /** An error frame with this code refuses a join for good (false: a transient failure, retried). */
  readonly refusesJoin: boolean;
}

export const VERDICTS: readonly Verdict[] = [
  { code: 'INVALID_TOKEN', closeCode: CloseCode.INVALID_TOKEN, kicked: 'INVALID_TOKEN', reason: 'INVALID_TOKEN', didExpire: false, refusesJoin: true },
  { code: 'TOKEN_EXPIRED', closeCode: CloseCode.TOKEN_EXPIRED, kicked: 'TOKEN_EXPIRE', reason: 'TOKEN_EXPIRE', didExpire: true, refusesJoin: true },
  { code: 'UID_CONFLICT', closeCode: CloseCode.UID_REPLACED, kicked: 'UID_BANNED', reason: 'UID_BANNED', didExpire: false, refusesJoin: true },
  { code: 'CHANNEL_FULL', closeCode: CloseCode.CHANNEL_FULL, kicked: null, reason: 'SERVER_ERROR', didExpire: false, refusesJoin: true },
  { code: 'PROTOCOL_ERROR', closeCode: null, kicked: null, reason: 'SERVER_ERROR', didExpire: false, refusesJoin: true },
  { code: 'INVALID_PARAMS', closeCode: null, kicked: null, reason: 'SERVER_ERROR', didExpire: false, refusesJoin: true },
  { code: 'SERVER_ERROR', closeCode: null, kicked: 'SERVER_ERROR', reason: 'SERVER_ERROR', didExpire: false, refusesJoin: false },
];

const byCode = new Map(VERDICTS.filter((v) => v.refusesJoin).map((v) => [v.code, v]));
const byClose = new Map(VERDICTS.filter((v) => v.closeCode !== null).map((v) => [v.closeCode!, v]));
const byKick = new Map(VERDICTS.filter((v) => v.kicked !== null).map((v) => [v.kicked!, v]));

/** The verdict of an error frame that refuses a join for good, if `code` is one. */
export const verdictOfRefusal = (code: ErrorCode): Verdict | undefined => byCode.get(code);
/** The terminal verdict a close code announces, if any. */
export const verdictOfClose = (closeCode: number): Verdict | undefined => byClose.get(closeCode);
/** The verdict of a `kicked` frame. */
export const verdictOfKick = (reason: KickReason): Verdict => byKick.get(reason)!;

/** The close code the server uses for a verdict. */
export const closeCodeOf = (verdict: Verdict): number => verdict.closeCode ?? CloseCode.PROTOCOL_ERROR;
