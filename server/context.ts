/** What the protocol handlers share: the store, this node's sockets and timers, logging, auth, counters. */
import type { Logger } from 'pino';
import type { ServerFrame } from '../src/protocol.js';
import type { VerifyToken } from './auth.js';
import type { ServerCounters } from './counters.js';
import type { ResolvedOptions } from './options.js';
import type { PresenceTimeouts } from './presence-timeouts.js';
import type { SocketRegistry } from './socket-registry.js';
import type { ChannelStore, SessionView } from './store.js';
import type { TokenExpiry } from './token-expiry.js';

export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly store: ChannelStore;
  readonly sockets: SocketRegistry;
  readonly timeouts: PresenceTimeouts;
  readonly log: Logger;
  readonly verifyToken: VerifyToken;
  /** Token lifetimes of the sessions (will-expire notices, expiry kicks). */
  readonly tokens: TokenExpiry;
  readonly counters: ServerCounters;
  /** Records how long a join took, from its frame to the `joined` reply (the /metrics histogram; a no-op without metrics). */
  readonly observeJoinLatency: (seconds: number) => void;
}

/** Sends an event to every other member of the session's channel that has a socket here. */
export function notifyPeers(ctx: ServerContext, session: SessionView, frame: ServerFrame): void {
  ctx.sockets.sendToSessions(ctx.store.memberSessionIds(session.key), frame, session.sessionId);
}
