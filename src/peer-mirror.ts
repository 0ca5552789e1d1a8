/**
 * The main thread's copy of the peer table, rebuilt from presence events. Events are staged onto
 * a working table and the table is published once per batch of engine output (flush()), so a
 * burst of a thousand changes costs one `peers$` emission and one copy, not one per change.
 */
import { BehaviorSubject, type Observable } from 'rxjs';
import type { EngineOutput } from './boundary.js';
import type { Attributes, NetworkQuality, Peer, PeerTable, Uid } from './types.js';

export class PeerMirror {
  private readonly subject = new BehaviorSubject<PeerTable>(new Map());
  readonly peers$: Observable<PeerTable> = this.subject.asObservable();
  /** The table being changed by the current batch (null: nothing staged since the last flush). */
  private draft: Map<Uid, Peer> | null = null;

  get current(): PeerTable {
    return this.draft ?? this.subject.value;
  }

  /** Applies one item of engine output to the working table; nothing is emitted until flush(). */
  stage(item: EngineOutput): void {
    if (item.kind === 'peer-quality') {
      const known = this.current.get(item.uid);
      if (known) this.edit().set(item.uid, { ...known, networkQuality: item.quality });
      return;
    }
    if (item.kind !== 'event') return;
    const event = item.event;
    switch (event.type) {
      case 'peer-online':
        if (!this.current.has(event.uid)) this.edit().set(event.uid, peer(event.uid, [], event.attributes));
        return;
      case 'peer-attributes-changed': {
        const known = this.current.get(event.uid);
        if (known) this.edit().set(event.uid, { ...known, attributes: event.attributes });
        return;
      }
      case 'peer-leave':
        if (this.current.has(event.uid)) this.edit().delete(event.uid);
        return;
      case 'stream-added': {
        const known = this.current.get(event.uid);
        if (known?.streams.has(event.streamId)) return;
        this.edit().set(event.uid, known ? { ...known, streams: new Set([...known.streams, event.streamId]) } : peer(event.uid, [event.streamId]));
        return;
      }
      case 'stream-removed': {
        const known = this.current.get(event.uid);
        if (!known?.streams.has(event.streamId)) return;
        this.edit().set(event.uid, { ...known, streams: new Set([...known.streams].filter((s) => s !== event.streamId)) });
        return;
      }
      case 'connection-state-change':
        // Out of the channel, nobody is visible; the worker does not announce each departure.
        if (event.curState === 'DISCONNECTED' && this.current.size > 0) this.draft = new Map();
        return;
      default:
        return;
    }
  }

  /** Publishes the working table, if anything changed since the last flush. */
  flush(): void {
    if (!this.draft) return;
    const table = this.draft;
    this.draft = null;
    this.subject.next(table);
  }

  complete(): void {
    this.subject.complete();
  }

  /** The working table, copied from the published one at the first change of a batch. */
  private edit(): Map<Uid, Peer> {
    this.draft ??= new Map(this.subject.value);
    return this.draft;
  }
}

const UNKNOWN_QUALITY: NetworkQuality = Object.freeze({ uplinkNetworkQuality: 0, downlinkNetworkQuality: 0 });
const NO_ATTRIBUTES: Attributes = Object.freeze({});

function peer(uid: Uid, streams: string[], attributes: Attributes = NO_ATTRIBUTES): Peer {
  return { uid, streams: new Set(streams), attributes, networkQuality: UNKNOWN_QUALITY };
}
