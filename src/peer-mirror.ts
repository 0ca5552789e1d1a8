/** The main thread's copy of the peer table, rebuilt from presence events; each change is a new immutable map. */
import { BehaviorSubject, type Observable } from 'rxjs';
import type { ChannelEvent, Peer, PeerTable, Uid } from './types.js';

export class PeerMirror {
  private readonly subject = new BehaviorSubject<PeerTable>(new Map());
  readonly peers$: Observable<PeerTable> = this.subject.asObservable();

  get current(): PeerTable {
    return this.subject.value;
  }

  apply(event: ChannelEvent): void {
    switch (event.type) {
      case 'peer-online':
        if (!this.current.has(event.uid)) this.update((m) => m.set(event.uid, peer(event.uid, [])));
        return;
      case 'peer-leave':
        if (this.current.has(event.uid)) this.update((m) => m.delete(event.uid));
        return;
      case 'stream-added':
        return this.update((m) => m.set(event.uid, peer(event.uid, [...(m.get(event.uid)?.streams ?? []), event.streamId])));
      case 'stream-removed': {
        const known = this.current.get(event.uid);
        if (!known?.streams.has(event.streamId)) return;
        return this.update((m) => m.set(event.uid, peer(event.uid, [...known.streams].filter((s) => s !== event.streamId))));
      }
      case 'connection-state-change':
        // Out of the channel, nobody is visible; the worker does not announce each departure.
        if (event.curState === 'DISCONNECTED' && this.current.size > 0) this.subject.next(new Map());
        return;
      default:
        return;
    }
  }

  complete(): void {
    this.subject.complete();
  }

  private update(change: (draft: Map<Uid, Peer>) => void): void {
    const draft = new Map(this.current);
    change(draft);
    this.subject.next(draft);
  }
}

function peer(uid: Uid, streams: string[]): Peer {
  return { uid, streams: new Set(streams) };
}
