/**
 * The channel as the app has been told it: the presence table, fed by the server's presence
 * entries and snapshots, and the hold a snapshot may carry while the server recovers its state
 * (peers it lacks may still be coming back: their leave waits for the hold's end).
 */
import type { PresenceEntry } from '../src/protocol.js';
import type { Uid } from '../src/types.js';
import type { TimerGroup, TimerHandle } from './env.js';
import { PresenceTable, type PeerSnapshot, type ViewChange } from './presence.js';

export class ChannelView {
  private readonly table = new PresenceTable();
  private holdTimer: TimerHandle | undefined;

  constructor(
    private readonly timers: TimerGroup,
    /** Events the view emits by itself (when a hold ends). */
    private readonly emitAll: (events: ViewChange[]) => void,
  ) {}

  /** Hosts known. */
  get size(): number {
    return this.table.size;
  }

  hasStream(uid: Uid, streamId: string): boolean {
    return this.table.hasStream(uid, streamId);
  }

  /** One presence entry: the events it means for the app (none for a duplicate). */
  apply(entry: PresenceEntry): ViewChange[] {
    switch (entry.type) {
      case 'peer-online':
        return this.table.peerOnline(entry.uid, entry.attributes ?? {});
      case 'attributes':
        return this.table.setAttributes(entry.uid, entry.attributes);
      case 'quality':
        return this.table.setQuality(entry.uid, [entry.up, entry.down]);
      case 'peer-leave':
        return this.table.peerLeave(entry.uid, entry.reason);
      case 'stream-added':
        return this.table.streamAdded(entry.uid, entry.streamId);
      case 'stream-removed':
        return this.table.streamRemoved(entry.uid, entry.streamId, entry.reason);
    }
  }

  /** The server's view of the channel now; with `holdMs`, peers it lacks may still be coming back. */
  snapshot(peers: readonly PeerSnapshot[], holdMs = 0): ViewChange[] {
    this.timers.clear(this.holdTimer);
    const events = this.table.applySnapshot(peers, holdMs > 0);
    if (holdMs > 0) this.holdTimer = this.timers.set(() => this.emitAll(this.table.endHold()), holdMs);
    return events;
  }

  /** Out of the channel: nobody is known. */
  clear(): void {
    this.timers.clear(this.holdTimer);
    this.table.clear();
  }
}
