/**
 * The server API over HTTP on the main port (docs/backend.md, Server API): `/v1/` routes, the
 * bearer secret compared in constant time, JSON in and out, its own rate limit, and one log line
 * per call with its outcome. Without an apiSecret there is no API: `/v1/` answers 404.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { endChannel, kickMember, listChannels, readChannel } from './api-actions.js';
import { ApiError, kickRequest, MAX_BODY_BYTES, memberQuery, routeOf } from './api-requests.js';
import { TokenBucket } from './rate-limit.js';
import { StoreUnavailableError, type ChannelAdmin } from './store.js';

/** The API's own budget, for all its callers together: a backend's bursts pass, a flood does not reach the store. */
export const API_RATE = { perSecond: 50, burst: 100 } as const;

export type ApiHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** The JSON body, at most MAX_BODY_BYTES (a larger one is refused as soon as it is seen). */
async function readBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new ApiError(400, 'INVALID_PARAMS', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(400, 'INVALID_PARAMS', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'INVALID_PARAMS', 'the body is not JSON');
  }
}

function allow(req: IncomingMessage, methods: string[]): void {
  if (!methods.includes(req.method ?? '')) throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here (allowed: ${methods.join(', ')})`);
}

/** The API's request handler, or null without a secret. */
export function createApiHandler(apiSecret: string | undefined, store: ChannelAdmin, log: Logger): ApiHandler | null {
  if (!apiSecret) return null;
  const expected = digest(`Bearer ${apiSecret}`);
  const bucket = new TokenBucket(API_RATE);

  const authorized = (req: IncomingMessage): boolean => {
    const given = req.headers.authorization;
    // Digests of equal length, compared in constant time: neither the secret nor its length leaks.
    return typeof given === 'string' && timingSafeEqual(digest(given), expected);
  };

  const answer = async (req: IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> => {
    if (!bucket.take()) throw new ApiError(429, 'RATE_LIMITED', `over the API's rate limit (${API_RATE.perSecond} requests per second)`);
    if (!authorized(req)) throw new ApiError(401, 'UNAUTHORIZED', 'missing or wrong Authorization: Bearer <apiSecret>');
    const route = routeOf(url.pathname);
    if (!route) throw new ApiError(404, 'NOT_FOUND', 'no such API route');
    if (route.kind === 'channels') {
      allow(req, ['GET']);
      return { status: 200, body: await listChannels(store, route.appId) };
    }
    if (route.kind === 'kick') {
      allow(req, ['POST']);
      return { status: 200, body: await kickMember(store, route.appId, route.channel, kickRequest(await readBody(req))) };
    }
    allow(req, ['GET', 'DELETE']);
    if (req.method === 'DELETE') return { status: 200, body: await endChannel(store, route.appId, route.channel) };
    return { status: 200, body: await readChannel(store, route.appId, route.channel, memberQuery(url.searchParams)) };
  };

  return async (req, res, url) => {
    const started = performance.now();
    let status: number;
    let code: string | undefined;
    try {
      const { status: ok, body } = await answer(req, url);
      status = ok;
      sendJson(res, ok, body);
    } catch (error) {
      const failure =
        error instanceof ApiError
          ? error
          : error instanceof StoreUnavailableError
            ? new ApiError(503, 'SERVER_ERROR', `channel store unavailable: ${error.message}`)
            : null;
      if (!failure) throw error;
      status = failure.status;
      code = failure.code;
      // A body left unread (refused early) is not waited for: the connection closes after the answer.
      const headers: Record<string, string> = failure.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
      if (!req.complete) headers.connection = 'close';
      sendJson(res, failure.status, { error: { code: failure.code, message: failure.message } }, headers);
    }
    log.info({ api: { method: req.method, path: url.pathname, status, ...(code ? { code } : {}), ms: Math.round(performance.now() - started) } }, 'api request');
  };
}
