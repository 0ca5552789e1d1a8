/**
 * What a node remembers about its store's health so that members see nothing of an outage or a
 * lost state: the hold it puts on snapshots while peers may still be coming back, and the leaves
 * decided while the store could not be told (docs/cluster.md, Redis trouble). One owner for both:
 * session.ts records, the reconciliation reads.
 */
import type { PeerLeaveReason } from '../src/wire-words.js';
import type { ChannelKey } from './store.js';

export class StoreRecovery {
  private holdUntil: number;
  /** session id -> why it left, and in which channel. */
  private readonly leaves = new Map<string, { reason: PeerLeaveReason; key: ChannelKey }>();

  /**
   * `lostState`: the node starts without the state of before (an in-memory store), so its first
   * snapshots lack peers that are still reconnecting.
   */
  constructor(
    private readonly peerTimeoutMs: number,
    lostState: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.holdUntil = lostState ? now() + peerTimeoutMs : 0;
  }

  /**
   * How long clients should hold back the leave of a peer missing from a snapshot sent now: until
   * the peers connected before the state was lost have had `peerTimeoutMs` to come back. 0 otherwise.
   */
  holdMs(): number {
    return Math.max(0, this.holdUntil - this.now());
  }

  /** The store came back after an outage: snapshots sent during the next `peerTimeoutMs` carry a hold. */
  startHold(): void {
    this.holdUntil = this.now() + this.peerTimeoutMs;
  }

  /** A session ended while the store was unreachable: the store learns of it when it is back. */
  leftWhileDown(sessionId: string, reason: PeerLeaveReason, key: ChannelKey): void {
    this.leaves.set(sessionId, { reason, key });
  }

  /** Why a session that ended during the outage left (undefined: it did not end here). */
  leaveReasonOf(sessionId: string): PeerLeaveReason | undefined {
    return this.leaves.get(sessionId)?.reason;
  }

  /** The store has been told of every leave recorded (in the channels `covers` selects, by default all). */
  forgetLeaves(covers?: (key: ChannelKey) => boolean): void {
    if (!covers) return this.leaves.clear();
    for (const [sessionId, { key }] of this.leaves) if (covers(key)) this.leaves.delete(sessionId);
  }
}
