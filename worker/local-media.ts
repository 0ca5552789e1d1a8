/**
 * What this client publishes and subscribes to. It outlives any one socket: after a rejoin the
 * engine republishes and resubscribes from here, in the join frame, so this is also where the
 * limits of that frame (src/limits.ts) are kept: a publish() or subscribe() that would make the
 * next join frame unacceptable to the server is refused now, not at the next reconnect.
 */
import { ChannelLinkError } from '../src/errors.js';
import { streamKey } from '../src/keys.js';
import { MAX_STREAMS_PER_MEMBER, MAX_SUBSCRIPTION_BYTES, MAX_SUBSCRIPTIONS_PER_MEMBER, SUBSCRIPTION_POSITION_BYTES } from '../src/limits.js';
import type { Uid } from '../src/types.js';
import type { Outbox } from './outbox.js';

const utf8 = new TextEncoder();

/** UTF-8 bytes one subscription takes in a join frame at most: its JSON with its position, and a comma. */
const subscriptionBytes = (uid: Uid, streamId: string): number => utf8.encode(JSON.stringify({ uid, streamId })).length + SUBSCRIPTION_POSITION_BYTES + 1;

/** A subscription, with the [epoch, seq] of the last message delivered (to resume after it). */
export interface Subscription {
  readonly uid: Uid;
  readonly streamId: string;
  at?: [number, number];
}

export class LocalMedia {
  /** Streams this client publishes, by id, each with its outbox. */
  readonly published = new Map<string, Outbox>();
  private readonly subs = new Map<string, Subscription>();
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

  subscription(uid: Uid, streamId: string): Subscription | undefined {
    return this.subs.get(streamKey(uid, streamId));
  }

  /** Every subscription as the join frame carries it (with its position once a message came). */
  get subscriptions(): Subscription[] {
    return [...this.subs.values()].map((s) => (s.at ? { uid: s.uid, streamId: s.streamId, at: s.at } : { uid: s.uid, streamId: s.streamId }));
  }

  clear(): void {
    this.published.clear();
    this.subs.clear();
    this.subsBytes = 0;
  }
}
