/**
 * The peer and stream table as the app has been told it. Incremental server events and fresh
 * snapshots both go through here, so the app gets exactly one event per real change: duplicates
 * are dropped and a snapshot after a reconnect is diffed against what was already announced.
 *
 * A snapshot taken while the server recovers its state (after a restart or a store outage) may
 * lack peers that are still coming back: with `hold`, what it lacks is held, not removed. A held
 * peer or stream that the server announces again is simply kept (the app sees nothing); what is
 * still missing when the hold ends (endHold()) is announced as gone then.
 */
import type { Attributes, ChannelEvent, NetworkQuality, QualityLevel, Uid } from '../src/types.js';
import { sameAttributes } from '../src/validation.js';
import type { PeerLeaveReason, StreamRemovedReason } from '../src/wire-words.js';

export interface PeerSnapshot {
  uid: Uid;
  streams: readonly string[];
  attributes?: Attributes | undefined;
  /** [uplink, downlink], when the peer has shared it. */
  quality?: readonly [number, number] | undefined;
}

type PresenceEvent = Extract<ChannelEvent, { type: 'peer-online' | 'peer-leave' | 'stream-added' | 'stream-removed' | 'peer-attributes-changed' }>;
/** A peer's quality changed: not an app event, but the peer table shows it. */
export interface PeerQualityChange {
  type: 'peer-quality';
  uid: Uid;
  quality: NetworkQuality;
}
/** What a presence change means on the main thread: an app event, or a quality update. */
export type ViewChange = PresenceEvent | PeerQualityChange;

const NO_ATTRIBUTES: Attributes = Object.freeze({});

export class PresenceTable {
  private readonly peers = new Map<Uid, Set<string>>();
  private readonly attributes = new Map<Uid, Attributes>();
  private readonly quality = new Map<Uid, NetworkQuality>();
  private readonly heldPeers = new Set<Uid>();
  private readonly heldStreams = new Map<Uid, Set<string>>();

  hasStream(uid: Uid, streamId: string): boolean {
    return this.peers.get(uid)?.has(streamId) ?? false;
  }

  get size(): number {
    return this.peers.size;
  }

  /** A host is in the channel; `attributes` undefined: unchanged (a stream's arrival implies its publisher). */
  peerOnline(uid: Uid, attributes?: Attributes): ViewChange[] {
    const known = this.peers.get(uid);
    if (known) {
      // A held peer is back: it stays, and each of its streams must be announced again in turn.
      if (this.heldPeers.delete(uid)) for (const streamId of known) this.holdStream(uid, streamId);
      return attributes ? this.setAttributes(uid, attributes) : [];
    }
    this.peers.set(uid, new Set());
    const own = attributes ?? NO_ATTRIBUTES;
    this.attributes.set(uid, own);
    return [{ type: 'peer-online', uid, attributes: own }];
  }

  /** A known host's attributes, replaced (nothing if they are the same). */
  setAttributes(uid: Uid, attributes: Attributes): ViewChange[] {
    const known = this.attributes.get(uid);
    if (!known || sameAttributes(known, attributes)) return [];
    this.attributes.set(uid, attributes);
    return [{ type: 'peer-attributes-changed', uid, attributes }];
  }

  /** A known host's quality, as it shared it: [uplink, downlink]. */
  setQuality(uid: Uid, [up, down]: readonly [number, number]): ViewChange[] {
    if (!this.peers.has(uid)) return [];
    const known = this.quality.get(uid);
    if (known && known.uplinkNetworkQuality === up && known.downlinkNetworkQuality === down) return [];
    const quality: NetworkQuality = { uplinkNetworkQuality: up as QualityLevel, downlinkNetworkQuality: down as QualityLevel };
    this.quality.set(uid, quality);
    return [{ type: 'peer-quality', uid, quality }];
  }

  peerLeave(uid: Uid, reason: PeerLeaveReason): PresenceEvent[] {
    const streams = this.peers.get(uid);
    if (!streams) return [];
    this.heldPeers.delete(uid);
    this.heldStreams.delete(uid);
    // stream-removed always precedes the peer-leave of the same peer.
    const events: PresenceEvent[] = [...streams].map((streamId) => ({
      type: 'stream-removed',
      uid,
      streamId,
      reason: 'PEER_LEFT',
    }));
    this.peers.delete(uid);
    this.attributes.delete(uid);
    this.quality.delete(uid);
    events.push({ type: 'peer-leave', uid, reason });
    return events;
  }

  streamAdded(uid: Uid, streamId: string): ViewChange[] {
    const events = this.peerOnline(uid);
    const streams = this.peers.get(uid)!;
    this.heldStreams.get(uid)?.delete(streamId);
    if (streams.has(streamId)) return events;
    streams.add(streamId);
    events.push({ type: 'stream-added', uid, streamId });
    return events;
  }

  streamRemoved(uid: Uid, streamId: string, reason: StreamRemovedReason): PresenceEvent[] {
    this.heldStreams.get(uid)?.delete(streamId);
    const streams = this.peers.get(uid);
    if (!streams?.delete(streamId)) return [];
    return [{ type: 'stream-removed', uid, streamId, reason }];
  }

  /**
   * Brings the table to `snapshot` (the server's truth after a (re)join) and returns the events
   * that describe the difference: departures first, then arrivals and stream changes. With `hold`,
   * what the snapshot lacks is held instead (see the class comment).
   */
  applySnapshot(snapshot: readonly PeerSnapshot[], hold = false): ViewChange[] {
    const next = new Map<Uid, PeerSnapshot>(snapshot.map((p) => [p.uid, p]));
    const events: ViewChange[] = [];
    this.heldPeers.clear();
    this.heldStreams.clear();
    for (const uid of [...this.peers.keys()]) {
      if (next.has(uid)) continue;
      // We cannot know whether a peer that vanished during our gap quit or timed out; it was
      // not seen to quit, so report it the way the server would have for a silent peer.
      if (hold) this.heldPeers.add(uid);
      else events.push(...this.peerLeave(uid, 'SERVER_TIMEOUT'));
    }
    for (const [uid, { streams, attributes, quality }] of next) {
      const known = this.peers.get(uid);
      if (known) {
        const wanted = new Set(streams);
        for (const streamId of [...known]) {
          if (wanted.has(streamId)) continue;
          if (hold) this.holdStream(uid, streamId);
          else events.push(...this.streamRemoved(uid, streamId, 'NO_DATA'));
        }
      }
      events.push(...this.peerOnline(uid, attributes ?? NO_ATTRIBUTES));
      if (quality) events.push(...this.setQuality(uid, quality));
      for (const streamId of streams) events.push(...this.streamAdded(uid, streamId));
    }
    return events;
  }

  /** The hold is over: what was not announced again is gone (streams first, then peers). */
  endHold(): ViewChange[] {
    const events: ViewChange[] = [];
    for (const [uid, streams] of [...this.heldStreams]) {
      if (this.heldPeers.has(uid)) continue;
      for (const streamId of streams) events.push(...this.streamRemoved(uid, streamId, 'NO_DATA'));
    }
    for (const uid of [...this.heldPeers]) events.push(...this.peerLeave(uid, 'SERVER_TIMEOUT'));
    this.heldPeers.clear();
    this.heldStreams.clear();
    return events;
  }

  private holdStream(uid: Uid, streamId: string): void {
    let held = this.heldStreams.get(uid);
    if (!held) this.heldStreams.set(uid, (held = new Set()));
    held.add(streamId);
  }

  clear(): void {
    this.peers.clear();
    this.attributes.clear();
    this.quality.clear();
    this.heldPeers.clear();
    this.heldStreams.clear();
  }
}
