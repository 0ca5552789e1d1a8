/** HTTP upgrade to WebSocket: refused while closing (503) and for origins not allowed (403). */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import type { ServerCounters } from './counters.js';
import { normalizeOrigin } from './options.js';

export interface UpgradeParts {
  wss: WebSocketServer;
  /** Normalized allowed origins, or null: any. */
  allowedOrigins: readonly string[] | null;
  isClosing: () => boolean;
  counters: ServerCounters;
  log: Logger;
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * A browser always sends `Origin` on a WebSocket upgrade, so the list keeps other web pages from
 * using a visitor's browser against this server. A request without `Origin` is not from a browser
 * page (the Node SDK sends none) and is let through: non-browser clients can claim any origin anyway.
 */
export function originAllowed(allowed: readonly string[] | null, header: string | undefined): boolean {
  if (allowed === null || header === undefined) return true;
  const origin = normalizeOrigin(header);
  return origin !== null && allowed.includes(origin);
}

export function createUpgradeHandler({ wss, allowedOrigins, isClosing, counters, log }: UpgradeParts) {
  // One listener for every socket: a closure made per upgrade would share the upgrade's scope and
  // keep its request (headers and all) alive as long as the socket lives.
  const onSocketError = (err: Error): void => log.debug({ err: err.message }, 'upgrade socket error');
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', onSocketError);
    if (isClosing()) {
      counters.upgradesRefused++;
      refuse(socket, '503 Service Unavailable');
      return;
    }
    if (!originAllowed(allowedOrigins, req.headers.origin)) {
      counters.upgradesRefused++;
      log.info({ origin: req.headers.origin, remote: req.socket.remoteAddress }, 'upgrade refused: origin not allowed');
      refuse(socket, '403 Forbidden');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // The WebSocket listens for the socket's errors from here on: ours would only cost memory.
      socket.off('error', onSocketError);
      wss.emit('connection', ws, req);
    });
  };
}
