/** What the protocol handlers share: the store, this node's sessions and sockets, logging, auth, counters. */
import type { Logger } from 'pino';
import type { VerifyToken } from './auth.js';
import type { ServerCounters } from './counters.js';
import type { ResolvedOptions } from './options.js';
import type { SessionRegistry } from './session-registry.js';
import type { SocketRegistry } from './socket-registry.js';
import type { PeerLeaveReason } from '../src/wire-words.js';
import type { ChannelStore, MemberRef } from './store.js';
import type { TokenExpiry } from './token-expiry.js';

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
  /**
   * How long clients should hold back the leave of a peer missing from a snapshot sent now: a node
   * that lost its state (a fresh in-memory node, or a store that came back empty) until the peers
   * that were connected before have had `peerTimeoutMs` to come back. 0 otherwise.
   */
  holdMs(): number;
  /** The store came back after an outage: snapshots sent during the next `peerTimeoutMs` carry a hold. */
  holdAfterOutage(): void;
  /** Sessions that ended while the store was unreachable: the store learns of them when it is back. */
  readonly pendingLeaves: Map<string, { ref: MemberRef; reason: PeerLeaveReason }>;
  /** Records how long a join took, from its frame to the `joined` reply (the /metrics histogram; a no-op without metrics). */
  readonly observeJoinLatency: (seconds: number) => void;
}
