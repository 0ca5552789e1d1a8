/**
 * channel-link signaling/presence server: `startServer(options)` listens for WebSocket clients
 * speaking src/protocol.ts, and for plain HTTP (GET /healthz, optional static folder).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type ServerOptions as WsServerOptions, type WebSocket } from 'ws';
import { createTokenVerifier } from './auth.js';
import { Connection, type ConnectionLimits } from './connection.js';
import type { ServerContext } from './context.js';
import { createRequestListener } from './http.js';
import { createLogger } from './logger.js';
import { MemoryChannelStore } from './memory-store.js';
import { resolveOptions, type ServerOptions } from './options.js';
import { PresenceTimeouts } from './presence-timeouts.js';
import { createProtocolHandlers } from './protocol-handler.js';
import { onPeerTimeout, onStreamTimeout } from './session.js';
import { SocketRegistry } from './socket-registry.js';
import { shutdown } from './shutdown.js';

export type { ServerOptions, LogLevel, ResolvedOptions } from './options.js';
export { DEFAULT_OPTIONS, LOG_LEVELS } from './options.js';
export type { TokenClaims, TokenVerdict, VerifyToken } from './auth.js';
export { createTokenVerifier } from './auth.js';
export type { ChannelKey, ChannelStore, MemberSnapshot, NewSession, SessionView, StoreStats, StreamRef } from './store.js';
export { channelKey } from './store.js';
export { MemoryChannelStore } from './memory-store.js';

export interface ServerStats {
  /** Sessions whose liveness this node tracks (connected, or dropped and waiting to resume or time out). */
  sessions: number;
  /** Members of all channels in the store (the same as sessions with the in-memory store). */
  members: number;
  /** Channels with at least one member. */
  channels: number;
  /** Open WebSocket connections, joined or not. */
  sockets: number;
}

export interface ChannelLinkServer {
  /** e.g. 'ws://127.0.0.1:8080' */
  readonly url: string;
  /** The bound port (the real one when started with port 0). */
  readonly port: number;
  readonly host: string;
  /** Tells every client `server-closing`, closes their sockets (1001), stops timers and the listener. */
  close(): Promise<void>;
  stats(): ServerStats;
}

/** Grace for a closing handshake before ws destroys the socket (ws option, missing from @types/ws). */
const WS_CLOSE_TIMEOUT_MS = 2_000;
/** Data frames to a socket with more than this queued are dropped. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export async function startServer(options: ServerOptions = {}): Promise<ChannelLinkServer> {
  const resolved = resolveOptions(options);
  const log = createLogger(options.logger, resolved.logLevel);
  const store = options.store ?? new MemoryChannelStore();
  const sockets = new SocketRegistry();
  // The timeout callbacks need the context, and the context holds the timeouts.
  const ctxRef: { current?: ServerContext } = {};
  const timeouts = new PresenceTimeouts({
    streamTimeoutMs: resolved.streamTimeoutMs,
    peerTimeoutMs: resolved.peerTimeoutMs,
    onStreamTimeout: (id) => guard(() => onStreamTimeout(ctxRef.current!, id)),
    onPeerTimeout: (id) => guard(() => onPeerTimeout(ctxRef.current!, id)),
  });
  const ctx: ServerContext = {
    options: resolved,
    store,
    sockets,
    timeouts,
    log,
    verifyToken: options.verifyToken ?? createTokenVerifier(resolved.appCertificate),
  };
  ctxRef.current = ctx;

  function guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      log.error({ err }, 'timeout handler failed');
    }
  }

  const limits: ConnectionLimits = {
    joinTimeoutMs: resolved.joinTimeoutMs,
    maxControlFrameBytes: resolved.maxControlFrameBytes,
    maxDataFrameBytes: resolved.maxDataFrameBytes,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
  };
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
    sockets.add(new Connection(ws, limits, handlers, log, req.socket.remoteAddress));
  });

  let closing: Promise<void> | null = null;
  const httpServer = createServer(createRequestListener(resolved.staticDir, log));
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.on('error', (err) => log.debug({ err: err.message }, 'upgrade socket error'));
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  httpServer.on('clientError', (err, socket) => {
    log.debug({ err: err.message }, 'http client error');
    socket.destroy();
  });

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
  const url = `ws://${formatHost(resolved.host)}:${port}`;
  log.info({ url, peerTimeoutMs: resolved.peerTimeoutMs, streamTimeoutMs: resolved.streamTimeoutMs }, 'listening');

  return {
    url,
    port,
    host: resolved.host,
    close(): Promise<void> {
      closing ??= shutdown({ httpServer, wss, sockets, timeouts, log, graceMs: resolved.closeGraceMs });
      return closing;
    },
    stats(): ServerStats {
      const s = store.stats();
      return { sessions: timeouts.size, members: s.members, channels: s.channels, sockets: sockets.size };
    },
  };
}
