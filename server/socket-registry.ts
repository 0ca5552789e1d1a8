/**
 * The sockets held by this node: every open connection, and which one carries each session.
 * A session without a socket (dropped, waiting to be resumed or to time out) has no entry.
 */
import { encodeFrame, type ServerFrame } from '../src/protocol.js';
import type { Connection } from './connection.js';

export class SocketRegistry {
  /** Every open connection, joined or not. */
  readonly connections = new Set<Connection>();
  private readonly bySession = new Map<string, Connection>();

  add(conn: Connection): void {
    this.connections.add(conn);
  }

  /** The socket went away: forget it (and its session's link to it, if still current). */
  remove(conn: Connection): void {
    this.connections.delete(conn);
    if (conn.sessionId !== null) this.detach(conn.sessionId, conn);
  }

  attach(sessionId: string, conn: Connection): void {
    this.bySession.set(sessionId, conn);
  }

  /** Unlinks the session from its socket; with `conn`, only if that socket is still the current one. */
  detach(sessionId: string, conn?: Connection): Connection | undefined {
    const current = this.bySession.get(sessionId);
    if (!current || (conn && current !== conn)) return undefined;
    this.bySession.delete(sessionId);
    return current;
  }

  get(sessionId: string): Connection | undefined {
    return this.bySession.get(sessionId);
  }

  /** Sends one frame (encoded once) to the sockets of the given sessions, skipping `exceptSessionId`. */
  sendToSessions(sessionIds: Iterable<string>, frame: ServerFrame, exceptSessionId?: string): void {
    let text: string | undefined;
    for (const id of sessionIds) {
      if (id === exceptSessionId) continue;
      const conn = this.bySession.get(id);
      if (!conn) continue;
      text ??= encodeFrame(frame);
      conn.sendText(text);
    }
  }

  get size(): number {
    return this.connections.size;
  }
}
