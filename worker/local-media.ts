/**
 * What this client publishes and subscribes to. It outlives any one socket: after a rejoin the
 * engine republishes and resubscribes from here.
 */
import { streamKey } from '../src/keys.js';
import type { Uid } from '../src/types.js';

export class LocalMedia {
  readonly published = new Set<string>();
  private readonly subs = new Map<string, { uid: Uid; streamId: string }>();

  subscribe(uid: Uid, streamId: string): void {
    this.subs.set(streamKey(uid, streamId), { uid, streamId });
  }

  unsubscribe(uid: Uid, streamId: string): boolean {
    return this.subs.delete(streamKey(uid, streamId));
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
  }
}
