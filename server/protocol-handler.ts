/** Routes validated frames of a connection to the session and stream operations. */
import { CloseCode, type ClientFrame } from '../src/protocol.js';
import type { Connection, ConnectionHandlers } from './connection.js';
import type { ServerContext } from './context.js';
import { join, leave, renewToken } from './session.js';
import type { SessionView } from './store.js';
import { forwardData, publish, subscribe, unpublish, unsubscribe } from './streams.js';

export function createProtocolHandlers(ctx: ServerContext): ConnectionHandlers {
  /** The live session of a joined socket; closes the socket if the session is gone. */
  const sessionOf = (conn: Connection): SessionView | undefined => {
    const sessionId = conn.sessionId;
    const session = sessionId === null ? undefined : ctx.store.getSession(sessionId);
    if (session && ctx.sockets.get(session.sessionId) === conn) {
      ctx.timeouts.touch(session.sessionId); // every inbound frame is a sign of life
      return session;
    }
    conn.log.info('frame on a socket whose session has ended');
    conn.fail('CLOSED', CloseCode.SESSION_EXPIRED, 'session expired');
    return undefined;
  };

  return {
    onFrame(conn: Connection, frame: ClientFrame): void {
      if (conn.phase === 'awaiting-join') {
        if (frame.type === 'join') join(ctx, conn, frame);
        return;
      }
      const session = sessionOf(conn);
      if (!session) return;
      switch (frame.type) {
        case 'join':
          conn.send({ type: 'error', code: 'INVALID_OPERATION', message: 'already joined on this connection' });
          return;
        case 'ping':
          conn.send({ type: 'pong', ts: frame.ts, serverTime: Date.now() });
          return;
        case 'publish':
          return publish(ctx, conn, session, frame.id, frame.streamId);
        case 'unpublish':
          return unpublish(ctx, conn, session, frame.id, frame.streamId);
        case 'subscribe':
          return subscribe(ctx, conn, session, frame.id, frame);
        case 'unsubscribe':
          return unsubscribe(ctx, conn, session, frame.id, frame);
        case 'renew-token':
          return renewToken(ctx, conn, session, frame.id, frame.token);
        case 'leave':
          return leave(ctx, conn, session, frame.id);
        default: {
          const unknown: never = frame;
          void unknown;
        }
      }
    },

    onData(conn: Connection, streamId: string, flags: number, payload: Uint8Array): void {
      const session = sessionOf(conn);
      if (session) forwardData(ctx, conn, session, streamId, flags, payload);
    },

    onClose(conn: Connection): void {
      // No leave: the member stays until it resumes or times out (DESIGN §4.5-4.6).
      ctx.sockets.remove(conn);
    },
  };
}
