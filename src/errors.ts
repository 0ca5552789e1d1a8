/** The one error class of channel-link: every rejected promise carries a stable `code`. */

export const ERROR_CODES = [
  'INVALID_PARAMS',
  'INVALID_OPERATION',
  'TIMEOUT',
  'INVALID_TOKEN',
  'TOKEN_EXPIRED',
  'UID_CONFLICT',
  'NOT_PUBLISHED',
  'WORKER_FAILED',
  'CLOSED',
  // Server-side and wire-level codes (also seen in `exception` events and error frames).
  'PROTOCOL_ERROR',
  'CHANNEL_FULL',
  'RATE_LIMITED',
  'SERVER_ERROR',
  'NETWORK_ERROR',
  'SERVER_BUSY',
  // The backend contract (docs/backend.md): a ban, what a token forbids, a webhook's signature.
  'BANNED',
  'NO_PERMISSION',
  'INVALID_SIGNATURE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ChannelLinkError extends Error {
  override readonly name = 'ChannelLinkError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** Plain object form, safe to post across a worker boundary (the worker adds the cause: worker/api.ts). */
  toJSON(): SerializedError {
    return { code: this.code, message: this.message };
  }

  static from(value: unknown, fallback: ErrorCode = 'WORKER_FAILED'): ChannelLinkError {
    if (value instanceof ChannelLinkError) return value;
    if (isSerializedError(value)) return new ChannelLinkError(value.code, value.message, value.cause && { cause: reviveCause(value.cause) });
    const message = value instanceof Error ? value.message : String(value);
    return new ChannelLinkError(fallback, message, { cause: value });
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  cause?: SerializedCause;
}

/** What crosses the worker boundary of an error's `cause`: e.g. `{ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' }`. */
export interface SerializedCause {
  name: string;
  message: string;
  /** A system error code (Node's `ECONNREFUSED`, `ENOTFOUND`, a TLS code), when there is one. */
  code?: string;
}

/** An Error again, with the name, message and code it had on the other side. */
export const reviveCause = (cause: SerializedCause): Error => Object.assign(new Error(), cause);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isErrorCode(v.code) && typeof v.message === 'string' && (v.cause === undefined || typeof v.cause === 'object');
}
