/**
 * What this client publishes and subscribes to. It outlives any one socket: after a rejoin the
 * engine republishes and resubscribes from here, in the join frame, so this is also where the
 * limits of that frame (src/limits.ts) are kept: a publish() or subscribe() that would make the
 * next join frame unacceptable to the server is refused now, not at the next reconnect.
 */
import { ChannelLinkError } from '../src/errors.js';
import { streamKey } from '../src/keys.js';
import { MAX_STREAMS_PER_MEMBER, MAX_SUBSCRIPTION_BYTES, MAX_SUBSCRIPTIONS_PER_MEMBER } from '../src/limits.js';
import type { Uid } from '../src/types.js';

const utf8 = new TextEncoder();

/** UTF-8 bytes one subscription takes in a join frame: its JSON and a comma. */
const subscriptionBytes = (uid: Uid, streamId: string): number => utf8.encode(JSON.stringify({ uid, streamId })).length + 1;

export class LocalMedia {
  readonly published = new Set<string>();
  private readonly subs = new Map<string, { uid: Uid; streamId: string }>();
  private subsBytes = 0;

  /** Throws INVALID_OPERATION when one more stream would exceed MAX_STREAMS_PER_MEMBER. */
  assertRoomToPublish(): void {
    if (this.published.size >= MAX_STREAMS_PER_MEMBER) {
      throw new ChannelLinkError('INVALID_OPERATION', `at most ${MAX_STREAMS_PER_MEMBER} streams per member`);
    }
  }

  /** Throws INVALID_OPERATION when one more subscription would not fit the join frame. */
  assertRoomToSubscribe(uid: Uid, streamId: string): void {
    if (this.subs.size >= MAX_SUBSCRIPTIONS_PER_MEMBER) {
      throw new ChannelLinkError('INVALID_OPERATION', `at most ${MAX_SUBSCRIPTIONS_PER_MEMBER} subscriptions per member`);
    }
    if (this.subsBytes + subscriptionBytes(uid, streamId) > MAX_SUBSCRIPTION_BYTES) {
      throw new ChannelLinkError(
        'INVALID_OPERATION',
        `subscriptions would exceed ${MAX_SUBSCRIPTION_BYTES} bytes in the join frame (${this.subs.size} subscriptions so far; long uids and stream ids take more)`,
      );
    }
  }

  subscribe(uid: Uid, streamId: string): void {
    const key = streamKey(uid, streamId);
    if (this.subs.has(key)) return;
    this.subs.set(key, { uid, streamId });
    this.subsBytes += subscriptionBytes(uid, streamId);
  }

  unsubscribe(uid: Uid, streamId: string): boolean {
    if (!this.subs.delete(streamKey(uid, streamId))) return false;
    this.subsBytes -= subscriptionBytes(uid, streamId);
    return true;
  }

  isSubscribed(uid: Uid, streamId: string): boolean {
    return this.subs.has(streamKey(uid, streamId));
  }

  get subscriptions(): { uid: Uid; streamId: string }[] {
    return [...this.subs.values()];
  }

  clear(): void {
    this.published.clear();
    this.subs.clear();
    this.subsBytes = 0;
  }
}
