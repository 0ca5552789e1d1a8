/** What `server.stats()` and the optional `GET /stats` endpoint report. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerCounters } from './counters.js';

export interface ServerStats {
  /** Sessions whose liveness this node tracks (connected, or dropped and waiting to resume or time out). */
  sessions: number;
  /** Of those sessions, the ones whose client is connected to this node now (the rest wait to resume or time out). */
  members: number;
  /** Channels with at least one member. */
  channels: number;
  /** Open WebSocket connections, joined or not. */
  sockets: number;
  /** Published streams. */
  streams: number;
  /** Stream messages kept for resumes, when the store can count them at once (the in-memory store). */
  buffered?: { messages: number; bytes: number };
  /** Admission control now: joins being handled, and waiting for a slot. */
  admission: { inFlight: number; queued: number };
  /** Totals since start: frames, refusals and disconnections by each defence. */
  counters: Readonly<ServerCounters>;
}

export interface StatsReport extends ServerStats {
  uptimeMs: number;
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (LOOPBACK.has(address) || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

export function statsReport(stats: ServerStats, startedAt: number): StatsReport {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { ...stats, uptimeMs: Date.now() - startedAt, memory: { rss, heapUsed, heapTotal, external, arrayBuffers } };
}

/**
 * `GET /stats` for monitoring and the soak benchmark; answered only to loopback clients (to
 * others it does not exist: 404), and only when the server was started with `statsEndpoint`.
 */
export function serveStats(req: IncomingMessage, res: ServerResponse, report: () => StatsReport): boolean {
  if (!isLoopback(req.socket.remoteAddress)) return false;
  const body = JSON.stringify(report());
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
  return true;
}
