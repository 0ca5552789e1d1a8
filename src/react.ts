/**
 * `channel-link/react`: React 18+ hooks over a ChannelClient (docs/api.md, React). Each value hook
 * reads the client through `useSyncExternalStore` (./react-store.ts), so it is correct under
 * concurrent rendering and StrictMode, and renders on a server (no `window` needed) with the
 * values of a client out of a channel. The main entry never imports this module (nor React).
 */
import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Observable } from 'rxjs';
import type { ChannelClient } from './client.js';
import type { ChannelEventHandler } from './event-hub.js';
import { changeStore, latestStore, storeCache } from './react-store.js';
import type { RemoteStream } from './streams.js';
import type { ChannelEventName, ChannelInfo, ConnectionState, NetworkQuality, PeerTable, StreamMessage, Uid } from './types.js';

const NO_PEERS: PeerTable = new Map();
const NO_MEMBERS: ChannelInfo = Object.freeze({ hosts: 0, audience: 0 });
const UNKNOWN: NetworkQuality = Object.freeze({ uplinkNetworkQuality: 0, downlinkNetworkQuality: 0 });
const NO_MESSAGES: readonly StreamMessage[] = Object.freeze([]);

const store = storeCache<ChannelClient>();
// On a server, and while hydrating, every hook renders a client out of a channel.
const disconnected = (): ConnectionState => 'DISCONNECTED';
const noPeers = () => NO_PEERS;
const noMembers = () => NO_MEMBERS;
const unknown = () => UNKNOWN;

/** The client's connection state; re-renders on each change. */
export function useConnectionState(client: ChannelClient): ConnectionState {
  const { subscribe, getSnapshot } = store(client, 'state', () => changeStore(client.connectionState$, () => client.getConnectionState()));
  return useSyncExternalStore(subscribe, getSnapshot, disconnected);
}

/** The peer table (`peers$`): hosts with their streams, attributes and network quality; re-renders on each change. */
export function usePeers(client: ChannelClient): PeerTable {
  const { subscribe, getSnapshot } = store(client, 'peers', () => latestStore(client.peers$, NO_PEERS));
  return useSyncExternalStore(subscribe, getSnapshot, noPeers);
}

/** The channel's member counts by role (`channelInfo$`); re-renders on each change. */
export function useChannelInfo(client: ChannelClient): ChannelInfo {
  const { subscribe, getSnapshot } = store(client, 'info', () => latestStore(client.channelInfo$, NO_MEMBERS));
  return useSyncExternalStore(subscribe, getSnapshot, noMembers);
}

/** The local user's network quality (`getNetworkQuality()`); re-renders on each `network-quality` event and state change. */
export function useNetworkQuality(client: ChannelClient): NetworkQuality {
  const { subscribe, getSnapshot } = store(client, 'quality', () => {
    // The quality moves with these two events (to unknown or down on a state change).
    const changes = new Observable<void>((subscriber) =>
      client.events$.subscribe((event) => {
        if (event.type === 'network-quality' || event.type === 'connection-state-change') subscriber.next();
      }),
    );
    return changeStore(changes, () => client.getNetworkQuality());
  });
  return useSyncExternalStore(subscribe, getSnapshot, unknown);
}

// A layout effect keeps the latest handler before any event of the commit can fire; a server has none to run.
const useCommitEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/**
 * Listens to one event while mounted (`client.on(name, ...)`), calling the latest `handler`
 * without re-subscribing when it changes; one listener per mounted component, StrictMode included.
 */
export function useChannelEvent<K extends ChannelEventName>(client: ChannelClient, name: K, handler: ChannelEventHandler<K>): void {
  const latest = useRef(handler);
  useCommitEffect(() => {
    latest.current = handler;
  });
  useEffect(() => client.on(name, (event) => latest.current(event)), [client, name]);
}

/** The options of useStreamMessages(). */
export interface StreamMessagesOptions {
  /** How many of the latest messages to keep (default 100). */
  limit?: number;
}

/** Per client and stream: how many mounted components follow it, and the RemoteStream they listen to. */
const following = new WeakMap<ChannelClient, Map<string, { count: number; remote?: RemoteStream }>>();

function follow(client: ChannelClient, key: string) {
  let own = following.get(client);
  if (!own) following.set(client, (own = new Map()));
  const entry = own.get(key) ?? { count: 0 };
  own.set(key, entry);
  entry.count++;
  const release = () => {
    entry.count--;
    // Deferred: StrictMode (and a quick remount) follows again at once, and keeps the subscription.
    queueMicrotask(() => {
      if (entry.count > 0 || own.get(key) !== entry) return;
      own.delete(key);
      if (entry.remote) client.unsubscribe(entry.remote).catch(() => {});
    });
  };
  return { entry, release };
}

/**
 * The latest `limit` messages of a peer's stream, oldest first, while mounted: it subscribes now
 * (or once the stream is added) and again on each `stream-added` of it, the naive pattern
 * (docs/api.md, Streams), so each message shows once; it unsubscribes when the last component
 * following that stream unmounts. `uid` or `streamId` null: nothing.
 */
export function useStreamMessages(client: ChannelClient, uid: Uid | null, streamId: string | null, options: StreamMessagesOptions = {}): readonly StreamMessage[] {
  const limit = Math.max(1, options.limit ?? 100);
  const key = uid === null || streamId === null ? null : `${typeof uid}:${uid}/${streamId}`;
  const [shown, setShown] = useState<{ key: string | null; messages: readonly StreamMessage[] }>({ key: null, messages: NO_MESSAGES });
  useEffect(() => {
    if (key === null) return;
    const { entry, release } = follow(client, key);
    let mounted = true;
    let current: RemoteStream | undefined;
    let listening: { unsubscribe(): void } | undefined;
    // After a comeback the stream's next listener takes over from the earlier ones (docs/api.md,
    // Streams): on each stream-added listen again, as the naive pattern does.
    const listen = (again = false) =>
      client.subscribe(uid!, streamId!).then(
        (remote) => {
          if (!mounted || (remote === current && !again)) return;
          current = entry.remote = remote;
          listening?.unsubscribe();
          listening = remote.messages$.subscribe((message) =>
            setShown((last) => ({ key, messages: [...(last.key === key ? last.messages : NO_MESSAGES), message].slice(-limit) })),
          );
        },
        // Not published yet, or not in the channel: its `stream-added` comes later.
        () => {},
      );
    void listen();
    const stop = client.on('stream-added', (event) => {
      if (event.uid === uid && event.streamId === streamId) void listen(true);
    });
    return () => {
      mounted = false;
      stop();
      listening?.unsubscribe();
      release();
    };
  }, [client, key, limit]);
  return shown.key === key && key !== null ? shown.messages : NO_MESSAGES;
}
