/** Graceful stop: server-closing to every client, close 1001, no timer or socket left behind. */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import { CloseCode } from '../src/protocol.js';
import type { SessionRegistry } from './session-registry.js';
import type { SocketRegistry } from './socket-registry.js';
import type { ChannelStore } from './store.js';

export interface ShutdownParts {
  httpServer: HttpServer | HttpsServer;
  wss: WebSocketServer;
  sockets: SocketRegistry;
  sessions: SessionRegistry;
  store: ChannelStore;
  log: Logger;
  /** Sockets that have not finished their closing handshake after this long are terminated. */
  graceMs: number;
  /** Runs once the sockets are gone, before the store closes (the webhook queues hand over on it). */
  beforeStoreClose?: () => Promise<void>;
}

export async function shutdown({ httpServer, wss, sockets, sessions, store, log, graceMs, beforeStoreClose }: ShutdownParts): Promise<void> {
  log.info({ sockets: sockets.size }, 'shutting down');
  // Stop accepting connections first; the callback runs once every connection has ended.
  const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  httpServer.closeIdleConnections();
  // Sessions are not ended: clients reconnect and resume elsewhere (or time out there).
  sessions.clear();

  const connections = [...sockets.connections];
  for (const conn of connections) {
    conn.send({ type: 'server-closing' });
    conn.close(CloseCode.GOING_AWAY, 'server shutting down');
  }
  const allClosed = Promise.all(connections.map((conn) => conn.closed));
  let graceTimer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    graceTimer = setTimeout(resolve, graceMs);
  });
  await Promise.race([allClosed, grace]);
  clearTimeout(graceTimer);
  for (const conn of sockets.connections) conn.terminate();
  await allClosed;

  await new Promise<void>((resolve) => wss.close(() => resolve()));
  httpServer.closeAllConnections();
  await httpClosed;
  await beforeStoreClose?.();
  // In a cluster, a surviving node adopts this node's members now (they time out there if they do not come back).
  await store.close(true);
  log.info('closed');
}
