/** Routes validated frames of a connection to the session and stream operations. */
import { CloseCode, type ClientFrame } from '../src/protocol.js';
import { ProtocolError } from '../src/protocol.js';
import type { Connection, ConnectionHandlers, DataHeader } from './connection.js';
import type { ServerContext } from './context.js';
import type { LocalSession } from './local-session.js';
import { join, leave, qualityNews, renewToken, setAttributes, setRole, storeDown } from './session.js';
import { SessionQuality } from './session-quality.js';
import { forwardData, publish, subscribe, unpublish, unsubscribe } from './streams.js';

/** The heartbeat period assumed of a client that reports its quality without having named one. */
const DEFAULT_HEARTBEAT_MS = 1000;

export function createProtocolHandlers(ctx: ServerContext): ConnectionHandlers {
  /** The live session of a joined socket (every inbound frame is a sign of life); closes the socket if it has ended. */
  const sessionOf = (conn: Connection): LocalSession | undefined => {
    const session = conn.session;
    if (session && session.conn === conn) {
      ctx.sessions.touch(session.sessionId);
      return session;
    }
    conn.log.info('frame on a socket whose session has ended');
    conn.fail('CLOSED', CloseCode.SESSION_EXPIRED, 'session expired');
    return undefined;
  };

  /** A request the store cannot serve now fails as a transient server error; the session stays. */
  const request = async (conn: Connection, id: number, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      if (!storeDown(error)) throw error;
      conn.send({ type: 'error', id, code: 'SERVER_ERROR', message: `channel store unavailable: ${error.message}` });
    }
  };

  return {
    onFrame(conn: Connection, frame: ClientFrame): void | Promise<void> {
      if (conn.phase === 'awaiting-join') {
        if (frame.type === 'join') return join(ctx, conn, frame);
        return;
      }
      if (conn.phase === 'closed') return;
      const session = sessionOf(conn);
      if (!session) return;
      switch (frame.type) {
        case 'join':
          conn.send({ type: 'error', code: 'INVALID_OPERATION', message: 'already joined on this connection' });
          return;
        case 'ping':
          return this.onPing(conn, frame.ts);
        case 'publish':
          return request(conn, frame.id, () => publish(ctx, conn, session, frame.id, frame.streamId));
        case 'unpublish':
          return request(conn, frame.id, () => unpublish(ctx, conn, session, frame.id, frame.streamId));
        case 'subscribe':
          return request(conn, frame.id, () => subscribe(ctx, conn, session, frame.id, frame));
        case 'unsubscribe':
          return unsubscribe(ctx, conn, session, frame.id, frame);
        case 'renew-token':
          return request(conn, frame.id, () => renewToken(ctx, conn, session, frame.id, frame.token));
        case 'leave':
          return leave(ctx, conn, session, frame.id);
        case 'set-role':
          return request(conn, frame.id, () => setRole(ctx, conn, session, frame.id, frame.role));
        case 'set-attributes':
          return setAttributes(ctx, conn, session, frame.id, frame.attributes);
        case 'quality':
          return qualityNews(ctx, session, (session.quality ??= new SessionQuality(DEFAULT_HEARTBEAT_MS)).reported(frame.down, Date.now()));
        default: {
          const unknown: never = frame;
          void unknown;
        }
      }
    },

    onPing(conn: Connection, ts: number): void {
      const session = sessionOf(conn);
      if (!session) return;
      // The JSON ping is a barrier (docs/protocol.md, The heartbeat): its pong follows every event decided for the client before it.
      session.channel.flushPresence();
      conn.send({ type: 'pong', ts, serverTime: Date.now() });
    },

    onHeartbeat(conn: Connection, frame: Buffer): void {
      const session = sessionOf(conn);
      if (!session) return;
      conn.sendData(frame);
      // The uplink is measured from the arrivals (a join frame that names the period makes the meter).
      const news = session.quality?.heartbeat(Date.now());
      if (news) qualityNews(ctx, session, news);
    },

    onData(conn: Connection, header: DataHeader, payload: Uint8Array): void {
      if (conn.phase === 'closed') return;
      if (conn.phase !== 'joined') throw new ProtocolError('first frame must be join, got a binary frame');
      const session = sessionOf(conn);
      if (session) forwardData(ctx, session, header, payload);
    },

    onClose(conn: Connection): void {
      // No leave: the member stays until it resumes or times out (docs/behaviour.md, Losing the network and coming back).
      ctx.sockets.remove(conn);
      ctx.sessions.detach(conn);
    },
  };
}
