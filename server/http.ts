/** Plain HTTP side of the server: GET /healthz, the optional GET /stats, GET /metrics, the server API (/v1/) and static folder. */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ApiHandler } from './api-http.js';
import { serveMetrics } from './metrics-http.js';
import type { ServerMetrics } from './metrics.js';
import { serveStats, type StatsReport } from './stats.js';
import { createStaticHandler } from './static-files.js';

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * `stats`: the report behind GET /stats (loopback clients only), or null when the endpoint is off;
 * `metrics`: what GET /metrics answers (loopback clients only), or null when off or on its own port.
 */
export function createRequestListener(
  staticDir: string | undefined,
  log: Logger,
  stats: (() => StatsReport) | null = null,
  metrics: ServerMetrics | null = null,
  health: () => { ok: boolean; reason?: string } = () => ({ ok: true }),
  api: ApiHandler | null = null,
): RequestListener {
  const serveStatic = staticDir ? createStaticHandler(staticDir) : null;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return send(res, 400, 'bad request\n');
    }
    const { pathname } = url;
    if (pathname === '/v1' || pathname.startsWith('/v1/')) {
      if (api) return api(req, res, url);
      return send(res, 404, JSON.stringify({ error: { code: 'NOT_FOUND', message: 'the server API is off (set apiSecret)' } }), 'application/json');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'method not allowed\n');
    }
    if (pathname === '/healthz') {
      const state = health();
      // 503 while the cluster store is unreachable, with the reason, so a load balancer drains this node.
      return send(res, state.ok ? 200 : 503, JSON.stringify(state.ok ? { ok: true } : { ok: false, reason: state.reason }), 'application/json');
    }
    if (pathname === '/stats' && stats && serveStats(req, res, stats)) return;
    if (pathname === '/metrics' && metrics && (await serveMetrics(req, res, metrics, true))) return;
    if (serveStatic && (await serveStatic(req, res, pathname))) return;
    if (pathname === '/' && !serveStatic) return send(res, 200, 'channel-link server: connect with a WebSocket\n');
    send(res, 404, 'not found\n');
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'http request failed');
      if (!res.headersSent) send(res, 500, 'internal server error\n');
      else res.destroy();
    });
  };
}
