/**
 * The recent messages of every stream, kept so that a subscriber that resumes gets what it
 * missed (docs/behaviour.md, Delivery of stream data). A seam of its own beside the ChannelStore:
 * the store decides membership and keeps a stream's messages alive with it; this appends and reads.
 */
import type { Uid } from '../src/types.js';
import type { BufferedMessage, Replay } from './stream-buffer.js';
import type { ChannelKey, MemberRef } from './store.js';

export interface MessageLog {
  /**
   * A message the member published: kept for subscribers that resume (within the bounds), and sent
   * to the other nodes with members in the channel. A stream's messages go when it is unpublished
   * or its member quits; when it times out they stay for the window, for a publisher that returns.
   */
  append(member: MemberRef, streamId: string, message: BufferedMessage): void;
  /** A publisher's messages after [epoch, seq] still kept; null if nothing is kept of that stream. */
  read(key: ChannelKey, uid: Uid, streamId: string, epoch: number, seq: number): Promise<Replay | null>;
}
