/**
 * channel-link signaling/presence server: `startServer(options)` listens for WebSocket clients
 * speaking src/protocol.ts, and for plain HTTP (GET /healthz, optional /stats and static folder);
 * over TLS (wss://, https://) when given a certificate and key.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer, type ServerOptions as WsServerOptions, type WebSocket } from 'ws';
import { createTokenVerifier } from './auth.js';
import { Connection, type ConnectionLimits } from './connection.js';
import type { ServerContext } from './context.js';
import { newCounters } from './counters.js';
import { createRequestListener } from './http.js';
import { createLogger } from './logger.js';
import { MemoryChannelStore } from './memory-store.js';
import { openMetricsEndpoint } from './metrics-http.js';
import { createMetrics } from './metrics.js';
import { resolveOptions, type ResolvedOptions, type ServerOptions } from './options.js';
import { PresenceTimeouts } from './presence-timeouts.js';
import { createProtocolHandlers } from './protocol-handler.js';
import { onPeerTimeout, onStreamTimeout, onTokenExpire, onTokenWillExpire } from './session.js';
import { SocketRegistry } from './socket-registry.js';
import { shutdown } from './shutdown.js';
import { statsReport, type ServerStats } from './stats.js';
import { loadTls } from './tls.js';
import { TokenExpiry } from './token-expiry.js';
import { createUpgradeHandler } from './upgrade.js';

export type { ServerOptions, LogLevel, ResolvedOptions } from './options.js';
export type { LogFormat } from './log-output.js';
export { DEFAULT_OPTIONS, LOG_LEVELS } from './options.js';
export type { VerifyToken } from './auth.js';
export { createTokenVerifier } from './auth.js';
export type { CreateTokenOptions, TokenClaims, TokenVerdict } from './tokens.js';
export { createToken, verifyToken } from './tokens.js';
export type { ServerCounters } from './counters.js';
export type { ServerStats, StatsReport } from './stats.js';
export type { ChannelKey, ChannelStore, MemberSnapshot, NewSession, SessionView, StoreStats, StreamRef } from './store.js';
export { channelKey } from './store.js';
export { MemoryChannelStore } from './memory-store.js';

export interface ChannelLinkServer {
  /** e.g. 'ws://127.0.0.1:8080' ('wss://...' with TLS) */
  readonly url: string;
  /** The bound port (the real one when started with port 0). */
  readonly port: number;
  readonly host: string;
  /** Where Prometheus scrapes this server (`http://HOST:PORT/metrics`), or null when metrics are off. */
  readonly metricsUrl: string | null;
  /** Tells every client `server-closing`, closes their sockets (1001), stops timers and the listener. */
  close(): Promise<void>;
  stats(): ServerStats;
}

/** Grace for a closing handshake before ws destroys the socket (ws option, missing from @types/ws). */
const WS_CLOSE_TIMEOUT_MS = 2_000;

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function connectionLimits(o: ResolvedOptions): ConnectionLimits {
  return {
    joinTimeoutMs: o.joinTimeoutMs,
    maxControlFrameBytes: o.maxControlFrameBytes,
    maxDataFrameBytes: o.maxDataFrameBytes,
    maxBufferedBytes: o.maxBufferedBytes,
    controlRate: { perSecond: o.controlRatePerSecond, burst: o.controlBurst },
    dataRate: { perSecond: o.dataRatePerSecond, burst: o.dataBurst },
    rateLimitMaxDropped: o.rateLimitMaxDropped,
  };
}

export async function startServer(options: ServerOptions = {}): Promise<ChannelLinkServer> {
  const resolved = resolveOptions(options);
  const tls = loadTls(options.tlsCert, options.tlsKey);
  const log = createLogger(options, resolved);
  const store = options.store ?? new MemoryChannelStore();
  const sockets = new SocketRegistry();
  const counters = newCounters();
  const startedAt = Date.now();
  // The timer callbacks need the context, and the context holds the timers.
  const ctxRef: { current?: ServerContext } = {};
  const timeouts = new PresenceTimeouts({
    streamTimeoutMs: resolved.streamTimeoutMs,
    peerTimeoutMs: resolved.peerTimeoutMs,
    onStreamTimeout: (id) => guard(() => onStreamTimeout(ctxRef.current!, id)),
    onPeerTimeout: (id) => guard(() => onPeerTimeout(ctxRef.current!, id)),
  });
  const tokens = new TokenExpiry({
    willExpireMs: resolved.tokenWillExpireMs,
    onWillExpire: (id, expiresAt) => guard(() => onTokenWillExpire(ctxRef.current!, id, expiresAt)),
    onExpire: (id) => guard(() => onTokenExpire(ctxRef.current!, id)),
  });
  const stats = (): ServerStats => {
    const s = store.stats();
    return { sessions: timeouts.size, members: s.members, channels: s.channels, sockets: sockets.size, streams: s.streams, counters: { ...counters } };
  };
  const metrics = resolved.metrics ? createMetrics(counters, stats) : null;
  const ctx: ServerContext = {
    options: resolved,
    store,
    sockets,
    timeouts,
    tokens,
    counters,
    log,
    observeJoinLatency: metrics ? metrics.observeJoinLatency : () => {},
    verifyToken: options.verifyToken ?? createTokenVerifier(resolved.appCertificate),
  };
  ctxRef.current = ctx;

  function guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      log.error({ err }, 'timer handler failed');
    }
  }

  const limits = connectionLimits(resolved);
  const handlers = createProtocolHandlers(ctx);
  const wsOptions = {
    noServer: true,
    maxPayload: Math.max(resolved.maxControlFrameBytes, resolved.maxDataFrameBytes),
    perMessageDeflate: false,
    closeTimeout: WS_CLOSE_TIMEOUT_MS,
  };
  const wss = new WebSocketServer(wsOptions as WsServerOptions);
  wss.on('error', (err) => log.error({ err }, 'websocket server error'));
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    sockets.add(new Connection(ws, limits, handlers, log, req.socket.remoteAddress, counters));
  });

  let closing: Promise<void> | null = null;
  const listener = createRequestListener(
    resolved.staticDir,
    log,
    resolved.statsEndpoint ? () => statsReport(stats(), startedAt) : null,
    resolved.metrics?.port === null ? metrics : null,
  );
  // A connection that never completes its HTTP request (slowloris) is cut after the join timeout.
  const headersTimeout = Math.max(1_000, resolved.joinTimeoutMs);
  const httpOptions = { headersTimeout, requestTimeout: Math.max(headersTimeout, 30_000), connectionsCheckingInterval: 1_000 };
  // Same for a TLS handshake that never completes (Node's default waits 120 s).
  const httpServer = tls ? createHttpsServer({ ...httpOptions, handshakeTimeout: headersTimeout, ...tls }, listener) : createServer(httpOptions, listener);
  httpServer.on('upgrade', createUpgradeHandler({ wss, allowedOrigins: resolved.allowedOrigins, isClosing: () => closing !== null, counters, log }));
  httpServer.on('clientError', (err, socket) => {
    log.debug({ err: err.message }, 'http client error');
    socket.destroy();
  });
  if (tls) httpServer.on('tlsClientError', (err) => log.debug({ err: err.message }, 'tls handshake failed'));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    httpServer.once('error', onError);
    httpServer.listen(resolved.port, resolved.host, () => {
      httpServer.off('error', onError);
      resolve();
    });
  });
  httpServer.on('error', (err) => log.error({ err }, 'http server error'));

  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : resolved.port;
  const url = `${tls ? 'wss' : 'ws'}://${formatHost(resolved.host)}:${port}`;
  const httpUrl = url.replace(/^ws/, 'http');
  const metricsEndpoint = metrics && (await openMetricsEndpoint(resolved.metrics!, metrics, httpUrl, log).catch(closeAndThrow(httpServer)));
  const metricsUrl = metricsEndpoint ? metricsEndpoint.url : null;
  log.info(
    { url, http: httpUrl, health: `${httpUrl}/healthz`, metrics: metricsUrl, peerTimeoutMs: resolved.peerTimeoutMs, streamTimeoutMs: resolved.streamTimeoutMs, tls: tls !== null },
    'listening',
  );
  logSecurityPosture(log, resolved, options.verifyToken !== undefined);

  return {
    url,
    port,
    host: resolved.host,
    metricsUrl,
    close(): Promise<void> {
      closing ??= (async () => {
        await metricsEndpoint?.close();
        await shutdown({ httpServer, wss, sockets, timeouts, tokens, log, graceMs: resolved.closeGraceMs });
      })();
      return closing;
    },
    stats,
  };
}

/** Undoes a listen when a later step of the start fails. */
function closeAndThrow(httpServer: { close(): unknown }) {
  return (err: unknown): never => {
    httpServer.close();
    throw err;
  };
}

function logSecurityPosture(log: ServerContext['log'], o: ResolvedOptions, customVerifier: boolean): void {
  if (!o.appCertificate && !customVerifier) {
    log.warn(
      'OPEN SERVER: no appCertificate is set, so no token is checked: anyone who can reach this server may join any channel ' +
        'under any uid. For development only; set --app-certificate (CHANNEL_LINK_APP_CERTIFICATE) in production.',
    );
  } else if (o.appCertificate && o.appCertificate.length < 32) {
    log.warn('appCertificate is shorter than 32 characters: use a long random secret (e.g. `openssl rand -hex 32`).');
  }
}
