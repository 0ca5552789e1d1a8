/**
 * What this client publishes and subscribes to. It outlives any one socket: after a rejoin the
 * engine republishes and resubscribes from here.
 */
import type { Uid } from '../src/types.js';

const key = (uid: Uid, streamId: string) => `${typeof uid}:${uid}/${streamId}`;

export class LocalMedia {
  readonly published = new Set<string>();
  private readonly subs = new Map<string, { uid: Uid; streamId: string }>();

  subscribe(uid: Uid, streamId: string): void {
    this.subs.set(key(uid, streamId), { uid, streamId });
  }

  unsubscribe(uid: Uid, streamId: string): boolean {
    return this.subs.delete(key(uid, streamId));
  }

  isSubscribed(uid: Uid, streamId: string): boolean {
    return this.subs.has(key(uid, streamId));
  }

  get subscriptions(): { uid: Uid; streamId: string }[] {
    return [...this.subs.values()];
  }

  clear(): void {
    this.published.clear();
    this.subs.clear();
  }
}
