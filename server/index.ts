/**
 * channel-link signaling/presence server: `startServer(options)` listens for WebSocket clients
 * speaking src/protocol.ts, and for plain HTTP (GET /healthz, optional /stats and static folder);
 * over TLS (wss://, https://) when given a certificate and key.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer, type ServerOptions as WsServerOptions, type WebSocket } from 'ws';
import { MAX_RETRY_AFTER_MS } from '../src/limits.js';
import { Admission } from './admission.js';
import { createTokenVerifier } from './auth.js';
import { Connection, type ConnectionLimits } from './connection.js';
import type { ServerContext } from './context.js';
import { newCounters } from './counters.js';
import { createApiHandler } from './api-http.js';
import { createRequestListener } from './http.js';
import { createLogger } from './logger.js';
import { MemoryChannelStore } from './memory-store.js';
import { MemoryMessageLog } from './memory-message-log.js';
import { openMetricsEndpoint } from './metrics-http.js';
import { createMetrics } from './metrics.js';
import { DeferralPacer } from './deferral-pacer.js';
import { resolveOptions, type ResolvedOptions, type ServerOptions } from './options.js';
import { PresenceTimeouts } from './presence-timeouts.js';
import { RedisChannelStore } from './cluster/redis-store.js';
import { createProtocolHandlers } from './protocol-handler.js';
import { onPeerTimeout, onStreamTimeout, onTokenExpire, onTokenWillExpire } from './session.js';
import { SessionRegistry } from './session-registry.js';
import { SocketRegistry } from './socket-registry.js';
import { createStoreListener } from './store-events.js';
import { StoreRecovery } from './store-recovery.js';
import type { ChannelStore } from './store.js';
import { shutdown } from './shutdown.js';
import { statsReport, type ServerStats } from './stats.js';
import { loadTls } from './tls.js';
import { TokenExpiry } from './token-expiry.js';
import { createUpgradeHandler } from './upgrade.js';
import { createWebhooks, NO_WEBHOOKS, type Webhooks } from './webhooks.js';

export type { ServerOptions, LogLevel, ResolvedOptions } from './options.js';
export type { LogFormat } from './log-output.js';
export { DEFAULT_OPTIONS, LOG_LEVELS } from './options.js';
export type { VerifyToken } from './auth.js';
export { createTokenVerifier } from './auth.js';
export type { CreateTokenOptions, TokenClaims, TokenCheck, TokenGrants } from './tokens.js';
export { createToken } from './tokens.js';
export { createJwtVerifier, verifyToken, type JwtVerifier, type TokenKeys } from './token-verify.js';
export type { ServerCounters } from './counters.js';
export type { ServerStats, StatsReport } from './stats.js';
export type { StoreEvent, ChannelKey, ChannelStore, JoinRequest, JoinResult, MemberRef, MemberSnapshot, StoreHealth, StoreListener } from './store.js';
export { channelKey, StoreUnavailableError } from './store.js';
export { MemoryChannelStore } from './memory-store.js';
export { RedisChannelStore, type RedisStoreOptions } from './cluster/redis-store.js';
export { verifyWebhook, signWebhook, SIGNATURE_HEADER, type VerifyWebhookOptions } from './webhook-signature.js';
export { WEBHOOK_EVENT_TYPES, type WebhookEvent, type WebhookEventType } from './webhook-events.js';

export interface ChannelLinkServer {
  /** e.g. 'ws://127.0.0.1:8080' ('wss://...' with TLS) */
  readonly url: string;
  /** The bound port (the real one when started with port 0). */
  readonly port: number;
  readonly host: string;
  /** This node's id in the cluster (random per start). */
  readonly nodeId: string;
  /** Where Prometheus scrapes this server (`http://HOST:PORT/metrics`), or null when metrics are off. */
  readonly metricsUrl: string | null;
  /** Tells every client `server-closing`, closes their sockets (1001), stops timers and the listener. */
  close(): Promise<void>;
  stats(): ServerStats;
}

/**
 * Connections the kernel holds for the node before it accepts them (capped by the system's
 * somaxconn). Node's default, 511, is too few for a herd: after a restart thousands of clients
 * connect within a few hundred ms, and a connect beyond the queue is dropped, so that client waits
 * out TCP's retransmission (1 s, then 3 s...) instead of being admitted or told to wait.
 */
const LISTEN_BACKLOG = 4096;

/** Grace for a closing handshake before ws destroys the socket (ws option, missing from @types/ws). */
const WS_CLOSE_TIMEOUT_MS = 2_000;

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * How late a session's timeout may come: 1/20 of the shortest timeout, at most 100 ms (10 s
 * timeouts: 100 ms). Idle sessions' deadlines are re-armed every streamTimeoutMs, spread over time:
 * exact ones would wake the process for each (10k sessions: 1,000 wake-ups a second, a fifth of
 * what their heartbeats cost); with this slack they share at most 1000 / slack wake-ups a second.
 */
function deadlineSlackMs(o: ResolvedOptions): number {
  return Math.min(100, Math.floor(Math.min(o.streamTimeoutMs, o.peerTimeoutMs) / 20));
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
  // Before anything starts: a bad public key is a bad parameter.
  const verifyToken = options.verifyToken ?? createTokenVerifier({ appCertificate: resolved.appCertificate, tokenPublicKey: resolved.tokenPublicKey });
  const tls = loadTls(options.tlsCert, options.tlsKey);
  const log = createLogger(options, resolved);
  const nodeId = randomBytes(6).toString('hex');
  const buffer = { windowMs: resolved.streamBufferMs, maxMessages: resolved.streamBufferMessages, maxBytes: resolved.streamBufferBytes };
  const store: ChannelStore =
    options.store ??
    (resolved.redisUrl || resolved.redisCluster
      ? new RedisChannelStore({ url: resolved.redisUrl, cluster: resolved.redisCluster, prefix: resolved.redisPrefix, nodeTtlMs: resolved.nodeTtlMs, log, buffer })
      : new MemoryChannelStore({ buffer }));
  const sockets = new SocketRegistry();
  const counters = newCounters();
  const startedAt = Date.now();
  const slackMs = deadlineSlackMs(resolved);
  // The timers' callbacks close over `ctx`, which holds the timers: they run only after it exists.
  const timeouts = new PresenceTimeouts({
    streamTimeoutMs: resolved.streamTimeoutMs,
    peerTimeoutMs: resolved.peerTimeoutMs,
    slackMs,
    onStreamTimeout: (id) => guard(() => onStreamTimeout(ctx, id)),
    onPeerTimeout: (id) => guard(() => onPeerTimeout(ctx, id)),
  });
  const tokens = new TokenExpiry({
    willExpireMs: resolved.tokenWillExpireMs,
    slackMs,
    onWillExpire: (id, expiresAt) => guard(() => onTokenWillExpire(ctx, id, expiresAt)),
    onExpire: (id) => guard(() => onTokenExpire(ctx, id)),
  });
  const sessions = new SessionRegistry(store, timeouts, tokens);
  const admission = new Admission(resolved.maxJoinsInFlight, new DeferralPacer(MAX_RETRY_AFTER_MS), counters);
  // What stats() and /metrics report: this node's sessions (in a cluster, every node reports its own).
  const stats = (): ServerStats => {
    const local = sessions.all();
    const channels = sessions.allChannels().filter((c) => c.sessions.size > 0).length;
    const streams = local.reduce((n, s) => n + s.streams.size, 0);
    const buffered = store.messages instanceof MemoryMessageLog ? { buffered: store.messages.buffered } : {};
    return {
      sessions: local.length,
      members: local.filter((s) => s.conn !== null).length,
      channels,
      sockets: sockets.size,
      streams,
      ...buffered,
      admission: admission.load,
      counters: { ...counters },
    };
  };
  // The metrics read the webhook queue, and the webhooks report their latency to the metrics.
  let webhooks: Webhooks = NO_WEBHOOKS;
  const metrics = resolved.metrics ? createMetrics(counters, stats, () => webhooks.queueLength) : null;
  webhooks = createWebhooks(resolved, log, counters, { store, nodeId, ...(metrics ? { observeLatency: metrics.observeWebhookLatency } : {}) });
  const ctx: ServerContext = {
    options: resolved,
    nodeId,
    store,
    sessions,
    sockets,
    tokens,
    counters,
    admission,
    log,
    observeJoinLatency: metrics ? metrics.observeJoinLatency : () => {},
    webhooks,
    verifyToken,
    // A node that starts without the state of before (in memory) holds back leaves for a peer timeout.
    recovery: new StoreRecovery(resolved.peerTimeoutMs, !store.durable),
  };

  function guard(fn: () => void | Promise<void>): void {
    const fail = (err: unknown) => log.error({ err }, 'timer handler failed');
    try {
      fn()?.catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  await store.open(nodeId, createStoreListener(ctx));

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
    () => store.health,
    createApiHandler(resolved.apiSecret, store, log),
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

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      httpServer.once('error', onError);
      httpServer.listen({ port: resolved.port, host: resolved.host, backlog: LISTEN_BACKLOG }, () => {
        httpServer.off('error', onError);
        resolve();
      });
    });
  } catch (err) {
    await store.close(true);
    throw err;
  }
  httpServer.on('error', (err) => log.error({ err }, 'http server error'));

  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : resolved.port;
  const url = `${tls ? 'wss' : 'ws'}://${formatHost(resolved.host)}:${port}`;
  const httpUrl = url.replace(/^ws/, 'http');
  const metricsEndpoint = metrics && (await openMetricsEndpoint(resolved.metrics!, metrics, httpUrl, log).catch(closeAndThrow(httpServer)));
  const metricsUrl = metricsEndpoint ? metricsEndpoint.url : null;
  log.info(
    {
      url,
      http: httpUrl,
      health: `${httpUrl}/healthz`,
      metrics: metricsUrl,
      node: nodeId,
      store: resolved.redisCluster ? 'redis-cluster' : resolved.redisUrl ? 'redis' : 'memory',
      peerTimeoutMs: resolved.peerTimeoutMs,
      streamTimeoutMs: resolved.streamTimeoutMs,
      tls: tls !== null,
    },
    'listening',
  );
  logSecurityPosture(log, resolved, options.verifyToken !== undefined);
  logBackendContract(log, resolved);

  return {
    url,
    port,
    host: resolved.host,
    nodeId,
    metricsUrl,
    close(): Promise<void> {
      closing ??= (async () => {
        await metricsEndpoint?.close();
        // Without Redis, events still queued are lost with the process; on Redis they wait there
        // for another node (docs/backend.md, Webhooks).
        await shutdown({ httpServer, wss, sockets, sessions: ctx.sessions, store, log, graceMs: resolved.closeGraceMs, beforeStoreClose: () => webhooks.close() });
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
  if (!o.appCertificate && o.tokenPublicKey === undefined && !customVerifier) {
    log.warn(
      'OPEN SERVER: no appCertificate is set, so no token is checked: anyone who can reach this server may join any channel ' +
        'under any uid. For development only; set --app-certificate (CHANNEL_LINK_APP_CERTIFICATE) in production.',
    );
  } else if (o.appCertificate && o.appCertificate.length < 32) {
    log.warn('appCertificate is shorter than 32 characters: use a long random secret (e.g. `openssl rand -hex 32`).');
  }
}

/** Says at start what of the backend contract is off, and how to turn it on (docs/backend.md). */
function logBackendContract(log: ServerContext['log'], o: ResolvedOptions): void {
  const off = [
    ...(o.apiSecret ? [] : ['the server API (set --api-secret or CHANNEL_LINK_API_SECRET to list channels and kick members over HTTP under /v1/)']),
    ...(o.webhookUrls.length > 0 ? [] : ['webhooks (set --webhook-url URL and --webhook-secret, or CHANNEL_LINK_WEBHOOK_URLS and CHANNEL_LINK_WEBHOOK_SECRET, to have every channel event POSTed, signed)']),
  ];
  if (off.length > 0) log.info(`not enabled: ${off.join('; ')}; see docs/backend.md`);
}
