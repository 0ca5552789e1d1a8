/**
 * How a Node engine words the error `ws` reports for a failed attempt: the system error code or the
 * HTTP status of a refused upgrade. Only Node sockets report these (a browser's WebSocket gives a
 * bare Event), so this lives with the Node host and stays out of the browser worker's bundle.
 */
import type { SerializedCause } from '../src/errors.js';

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|^EPROTO$/;
/** Node names the TLS layer in the message when the socket fails during its handshake (e.g. ECONNRESET). */
const TLS_MESSAGE = /\bTLS\b|SSL routines|certificate/i;

/** A short description of a socket error that says which kind of failure it was. */
export function describeNodeSocketError(error: SerializedCause): string {
  const status = /Unexpected server response: (\d+)/.exec(error.message);
  if (status) return `the server answered the WebSocket upgrade with HTTP ${status[1]}`;
  const code = error.code ?? '';
  if (TLS_CODE.test(code) || TLS_MESSAGE.test(error.message)) return `TLS failure (${error.message.trim()})`;
  if (code === 'ECONNREFUSED') return `connection refused (${error.message})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `DNS lookup failed (${error.message})`;
  if (code === 'ECONNRESET') return `connection reset (${error.message})`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT') return `host unreachable (${error.message})`;
  return error.message;
}
