/**
 * A ChannelClient stand-in for the React hooks' tests: the observables and getters the hooks read,
 * driven by the test, with the real RemoteStreamRouter behind subscribe() (so the handles behave
 * as the client's do), and counts of what the hooks asked for.
 */
import { BehaviorSubject, Subject, filter } from 'rxjs';
import type { ChannelClient } from '../../../src/client.js';
import { ChannelLinkError } from '../../../src/errors.js';
import { RemoteStreamRouter } from '../../../src/streams.js';
import type { ChannelEvent, ChannelInfo, ConnectionState, NetworkQuality, PeerTable, Uid } from '../../../src/types.js';

export function fakeClient() {
  const state = new BehaviorSubject<ConnectionState>('DISCONNECTED');
  const peers = new BehaviorSubject<PeerTable>(new Map());
  const info = new BehaviorSubject<ChannelInfo>({ hosts: 0, audience: 0 });
  const events = new Subject<ChannelEvent>();
  const router = new RemoteStreamRouter();
  const published = new Set<string>();
  let quality: NetworkQuality = { uplinkNetworkQuality: 0, downlinkNetworkQuality: 0 };
  const counts = { listeners: 0, engineSubscribes: 0, unsubscribes: 0 };

  const emit = (event: ChannelEvent) => {
    if (event.type === 'connection-state-change') {
      // As the client does: unknown out of a channel, down while reconnecting.
      if (event.curState === 'DISCONNECTED') quality = { uplinkNetworkQuality: 0, downlinkNetworkQuality: 0 };
      else if (event.curState === 'CONNECTING' && event.prevState === 'CONNECTED') quality = { uplinkNetworkQuality: 6, downlinkNetworkQuality: 6 };
      state.next(event.curState);
    }
    if (event.type === 'network-quality') quality = { uplinkNetworkQuality: event.uplinkNetworkQuality, downlinkNetworkQuality: event.downlinkNetworkQuality };
    if (event.type === 'stream-added') published.add(`${event.uid}/${event.streamId}`);
    if (event.type === 'stream-removed') published.delete(`${event.uid}/${event.streamId}`);
    router.note(event);
    events.next(event);
  };

  const client = {
    connectionState$: state.asObservable(),
    peers$: peers.asObservable(),
    channelInfo$: info.asObservable(),
    events$: events.asObservable(),
    getConnectionState: () => state.value,
    getNetworkQuality: () => quality,
    on(name: string, handler: (event: ChannelEvent) => void) {
      counts.listeners++;
      const sub = events.pipe(filter((e) => e.type === name)).subscribe(handler);
      return () => {
        counts.listeners--;
        sub.unsubscribe();
      };
    },
    subscribe(uid: Uid, streamId: string) {
      return router.subscribe(uid, streamId, async () => {
        counts.engineSubscribes++;
        if (!published.has(`${uid}/${streamId}`)) throw new ChannelLinkError('NOT_PUBLISHED', `${uid}/${streamId} is not published`);
      });
    },
    async unsubscribe(remote: Parameters<ChannelClient['unsubscribe']>[0]) {
      if (router.close(remote)) counts.unsubscribes++;
    },
    async destroy() {
      router.closeAll();
      for (const subject of [state, peers, info, events]) subject.complete();
    },
  };
  return {
    client: client as unknown as ChannelClient,
    counts,
    emit,
    setState(curState: ConnectionState) {
      emit({ type: 'connection-state-change', curState, prevState: state.value, reason: curState === 'CONNECTED' ? 'JOINED' : 'LEAVE' });
    },
    setPeers: (table: PeerTable) => peers.next(table),
    setInfo: (value: ChannelInfo) => info.next(value),
    deliver: (uid: Uid, streamId: string, data: string) => router.deliver({ uid, streamId, data }),
  };
}
