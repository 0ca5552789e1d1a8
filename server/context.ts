/** What the protocol handlers share: the store, this node's sessions and sockets, logging, auth, counters. */
import type { Logger } from 'pino';
import type { Admission } from './admission.js';
import type { VerifyToken } from './auth.js';
import type { ServerCounters } from './counters.js';
import type { ResolvedOptions } from './options.js';
import type { SessionRegistry } from './session-registry.js';
import type { SocketRegistry } from './socket-registry.js';
import type { ChannelStore } from './store.js';
import type { StoreRecovery } from './store-recovery.js';
import type { TokenExpiry } from './token-expiry.js';
import type { Webhooks } from './webhooks.js';

export interface ServerContext {
  readonly options: ResolvedOptions;
  /** This node's id in the store (random per process start). */
  readonly nodeId: string;
  readonly store: ChannelStore;
  readonly sessions: SessionRegistry;
  readonly sockets: SocketRegistry;
  readonly log: Logger;
  readonly verifyToken: VerifyToken;
  /** Token lifetimes of the sessions (will-expire notices, expiry kicks). */
  readonly tokens: TokenExpiry;
  readonly counters: ServerCounters;
  /** How many joins are handled at once; the rest wait (resumes first) or are deferred (SERVER_BUSY). */
  readonly admission: Admission;
  /** The hold on snapshots after a lost state, and the leaves decided while the store was unreachable. */
  readonly recovery: StoreRecovery;
  /** Records how long a join took, from its frame to the `joined` reply (the /metrics histogram; a no-op without metrics). */
  readonly observeJoinLatency: (seconds: number) => void;
  /** What this node decides, told to the webhook URLs (a no-op without them). */
  readonly webhooks: Webhooks;
}
