/**
 * What went wrong with one connection attempt, in words an app developer can act on. In Node the
 * `ws` socket reports the system error (ECONNREFUSED, ENOTFOUND, a TLS code) or the HTTP status of
 * a refused upgrade, which node-socket-error.ts words; a browser reports nothing beyond close 1006,
 * and the message says so.
 */
import { ChannelLinkError, reviveCause, type SerializedCause } from '../src/errors.js';

export interface AttemptFailure {
  /** NETWORK_ERROR: the attempt failed; TIMEOUT: it got no answer within the attempt deadline. */
  readonly code: 'NETWORK_ERROR' | 'TIMEOUT';
  readonly message: string;
  /** The underlying error, as it crosses the worker boundary. */
  readonly cause: SerializedCause;
}

/** A failure as the link records it: with the URL the attempt went to. */
export type RecordedFailure = AttemptFailure & { readonly url: string };

/** Where the attempt was when it failed. */
export type AttemptStage = 'opening' | 'handshaking';

/** The error a socket reported before closing: `ws` passes an ErrorEvent with `error`; browsers a bare Event. */
export function socketErrorOf(event: unknown): SerializedCause | undefined {
  const error = typeof event === 'object' && event !== null ? (event as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  if (typeof message !== 'string' || message === '') return undefined;
  const out: SerializedCause = { name: typeof name === 'string' ? name : 'Error', message };
  if (typeof code === 'string') out.code = code;
  return out;
}

/**
 * The socket closed (or could not be created) before the attempt joined. `describe` words the
 * socket's error (the host's `describeSocketError`; by default its message).
 */
export function closedFailure(
  stage: AttemptStage,
  closeCode: number,
  reason: string,
  error: SerializedCause | undefined,
  describe: (error: SerializedCause) => string = (e) => e.message,
): AttemptFailure {
  if (stage === 'handshaking') {
    const message = `the server closed the connection during the handshake (close ${closeCode}${reason ? `: ${reason}` : ''})`;
    return { code: 'NETWORK_ERROR', message, cause: error ?? { name: 'Error', message } };
  }
  if (error) return { code: 'NETWORK_ERROR', message: describe(error), cause: error };
  const message =
    `the connection failed before it opened (close ${closeCode}); the browser does not say why ` +
    '(refused, DNS, TLS or an HTTP error: see its network log)';
  return { code: 'NETWORK_ERROR', message, cause: { name: 'Error', message: `WebSocket closed with code ${closeCode} before opening` } };
}

/** The server sent something the client could not accept during the handshake. */
export function protocolFailure(message: string): AttemptFailure {
  return { code: 'NETWORK_ERROR', message: `the server sent an invalid frame (${message})`, cause: { name: 'ProtocolError', message } };
}

/** The attempt deadline (connectionTimeoutMs) passed without the socket opening or the join being answered. */
export function timeoutFailure(stage: AttemptStage, timeoutMs: number): AttemptFailure {
  const message =
    stage === 'opening' ? `no answer within ${timeoutMs} ms: the socket did not open` : `no answer to the join within ${timeoutMs} ms`;
  return { code: 'TIMEOUT', message, cause: { name: 'TimeoutError', message } };
}

/**
 * The error of a join that gave up after `joinTimeoutMs`: code TIMEOUT (docs/api.md, Error codes; the state
 * reason says TIMEOUT too), its message and cause naming the last failed attempt; with none failed
 * yet, the one under way got no answer in time.
 */
export function joinGaveUpError(last: AttemptFailure | null, failedAttempts: number, joinTimeoutMs: number, url: string): ChannelLinkError {
  const failure = last ?? timeoutFailure('opening', joinTimeoutMs);
  const tried = failedAttempts === 0 ? 'the first attempt got no answer' : `${failedAttempts} attempt${failedAttempts === 1 ? '' : 's'} failed`;
  return new ChannelLinkError('TIMEOUT', `join did not complete within ${joinTimeoutMs} ms (${tried}); last attempt to ${url}: ${failure.message}`, {
    cause: reviveCause(failure.cause),
  });
}
