/**
 * `GET /metrics` over HTTP: on the main port (loopback clients only, like /stats), or on a port
 * of its own (any client that can reach it: bind it to an internal interface).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ServerMetrics } from './metrics.js';
import { isLoopback } from './stats.js';

/** Answers the scrape; false (nothing sent) when the client may not see it. */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: ServerMetrics, loopbackOnly: boolean): Promise<boolean> {
  if (loopbackOnly && !isLoopback(req.socket.remoteAddress)) return false;
  const body = await metrics.render();
  res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

export interface MetricsEndpoint {
  /** e.g. http://127.0.0.1:9464/metrics */
  readonly url: string;
  close(): Promise<void>;
}

/** Where /metrics is served: on the main port (served by http.ts), or on a listener of its own. */
export function openMetricsEndpoint(
  config: { port: number | null; host: string },
  metrics: ServerMetrics,
  httpUrl: string,
  log: Logger,
): Promise<MetricsEndpoint> {
  if (config.port === null) return Promise.resolve({ url: `${httpUrl}/metrics`, close: async () => {} });
  return listenMetrics(config.host, config.port, metrics, log);
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A listener of its own for `/metrics` (everything else: 404). */
async function listenMetrics(host: string, port: number, metrics: ServerMetrics, log: Logger): Promise<MetricsEndpoint> {
  const server: Server = createServer({ headersTimeout: 5_000, requestTimeout: 10_000 }, (req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    const reply = pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD') ? serveMetrics(req, res, metrics, false) : null;
    if (!reply) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    reply.catch((err: unknown) => {
      log.error({ err }, 'metrics request failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'metrics server error'));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${formatHost(host)}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
