// @vitest-environment jsdom
/**
 * The React hooks of `channel-link/react` (docs/api.md, React) in jsdom with
 * @testing-library/react, over a client stand-in: each renders the current value and re-renders on
 * change, once per change (no render loop), under StrictMode with one listener, and lets go on unmount.
 */
import { act, cleanup, render, renderHook } from '@testing-library/react';
import { StrictMode, createElement, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { useChannelEvent, useChannelInfo, useConnectionState, useNetworkQuality, usePeers, useStreamMessages } from '../../../src/react.js';
import type { ChannelEventOf, Peer, PeerTable } from '../../../src/types.js';
import { fakeClient } from './fake-client.js';

afterEach(cleanup);

const strict = { wrapper: ({ children }: { children: ReactNode }) => createElement(StrictMode, null, children) };
const peer = (uid: number, name: string): Peer => ({ uid, streams: new Set(), attributes: { name }, networkQuality: { uplinkNetworkQuality: 1, downlinkNetworkQuality: 2 } });

/** Renders `hook` and counts the renders. */
function counted<T>(hook: () => T, options = {}) {
  let renders = 0;
  const view = renderHook(() => {
    renders++;
    return hook();
  }, options);
  return { view, renders: () => renders };
}

describe('useConnectionState', () => {
  it('renders the current state, re-renders once per change, and lets go on unmount', () => {
    const fake = fakeClient();
    const { view, renders } = counted(() => useConnectionState(fake.client));
    expect(view.result.current).toBe('DISCONNECTED');
    const before = renders();
    act(() => fake.setState('CONNECTING'));
    expect(view.result.current).toBe('CONNECTING');
    expect(renders()).toBe(before + 1);
    act(() => fake.setState('CONNECTED'));
    expect(view.result.current).toBe('CONNECTED');
    view.unmount();
    // Unmounted: a change renders nothing, and nothing throws.
    const after = renders();
    act(() => fake.setState('DISCONNECTED'));
    expect(renders()).toBe(after);
  });

  it('under StrictMode (effects run twice) it follows every change', () => {
    const fake = fakeClient();
    const { result } = renderHook(() => useConnectionState(fake.client), strict);
    act(() => fake.setState('CONNECTING'));
    act(() => fake.setState('CONNECTED'));
    expect(result.current).toBe('CONNECTED');
  });

  it('many components share one store and all see a change', () => {
    const fake = fakeClient();
    const seen: string[] = [];
    const Show = ({ n }: { n: number }) => {
      const state = useConnectionState(fake.client);
      seen.push(`${n}:${state}`);
      return createElement('span', null, state);
    };
    const { container } = render(createElement('div', null, createElement(Show, { n: 1 }), createElement(Show, { n: 2 })));
    act(() => fake.setState('CONNECTING'));
    expect(container.textContent).toBe('CONNECTINGCONNECTING');
    expect(seen.slice(-2).sort()).toEqual(['1:CONNECTING', '2:CONNECTING']);
  });
});

describe('usePeers', () => {
  it('renders the table of peers$ (names from attributes), the same object until it changes', () => {
    const fake = fakeClient();
    const first: PeerTable = new Map([[1, peer(1, 'Ada')]]);
    fake.setPeers(first);
    const { view, renders } = counted(() => usePeers(fake.client), strict);
    expect(view.result.current).toBe(first);
    const before = renders();
    view.rerender();
    expect(view.result.current).toBe(first);
    const second: PeerTable = new Map([...first, [2, peer(2, 'Grace')]]);
    act(() => fake.setPeers(second));
    expect([...view.result.current.values()].map((p) => p.attributes.name)).toEqual(['Ada', 'Grace']);
    // StrictMode renders twice per update: two per change, never a loop.
    expect(renders() - before).toBeLessThanOrEqual(4);
  });

  it('keeps the last table after the client is destroyed (its observables complete)', async () => {
    const fake = fakeClient();
    const table: PeerTable = new Map([[1, peer(1, 'Ada')]]);
    fake.setPeers(table);
    const { result, rerender } = renderHook(() => usePeers(fake.client));
    await act(() => fake.client.destroy());
    rerender();
    expect(result.current).toBe(table);
  });
});

describe('useChannelInfo', () => {
  it('renders the member counts and follows each change', () => {
    const fake = fakeClient();
    const { result } = renderHook(() => useChannelInfo(fake.client), strict);
    expect(result.current).toEqual({ hosts: 0, audience: 0 });
    act(() => fake.setInfo({ hosts: 2, audience: 40 }));
    expect(result.current).toEqual({ hosts: 2, audience: 40 });
  });
});

describe('useNetworkQuality', () => {
  it('re-renders on each network-quality event (even an equal value) and on a state change', () => {
    const fake = fakeClient();
    fake.setState('CONNECTED');
    const { view, renders } = counted(() => useNetworkQuality(fake.client));
    expect(view.result.current).toEqual({ uplinkNetworkQuality: 0, downlinkNetworkQuality: 0 });
    const quality = (up: 0 | 1 | 2 | 3, down: 0 | 1 | 2 | 3) => fake.emit({ type: 'network-quality', uplinkNetworkQuality: up, downlinkNetworkQuality: down });
    let before = renders();
    act(() => quality(1, 2));
    expect(view.result.current).toEqual({ uplinkNetworkQuality: 1, downlinkNetworkQuality: 2 });
    act(() => quality(1, 2));
    expect(renders()).toBe(before + 2);
    // Other events do not render.
    before = renders();
    act(() => fake.emit({ type: 'peer-online', uid: 9, attributes: {} }));
    expect(renders()).toBe(before);
    // The link is lost: down (6s) at once.
    act(() => fake.setState('CONNECTING'));
    expect(renders()).toBe(before + 1);
    expect(view.result.current).toEqual({ uplinkNetworkQuality: 6, downlinkNetworkQuality: 6 });
  });
});

describe('useChannelEvent', () => {
  it('listens while mounted with one listener under StrictMode, calls the latest handler without re-subscribing, and stops on unmount', () => {
    const fake = fakeClient();
    const got: string[] = [];
    const view = renderHook(
      ({ tag }: { tag: string }) => useChannelEvent(fake.client, 'peer-online', (e: ChannelEventOf<'peer-online'>) => got.push(`${tag}${e.uid}`)),
      { ...strict, initialProps: { tag: 'a' } },
    );
    expect(fake.counts.listeners).toBe(1);
    act(() => fake.emit({ type: 'peer-online', uid: 1, attributes: {} }));
    view.rerender({ tag: 'b' });
    expect(fake.counts.listeners).toBe(1);
    act(() => fake.emit({ type: 'peer-online', uid: 2, attributes: {} }));
    expect(got).toEqual(['a1', 'b2']);
    view.unmount();
    expect(fake.counts.listeners).toBe(0);
    act(() => fake.emit({ type: 'peer-online', uid: 3, attributes: {} }));
    expect(got).toEqual(['a1', 'b2']);
  });
});

describe('useStreamMessages', () => {
  const added = { type: 'stream-added', uid: 1, streamId: 's' } as const;
  const removed = { type: 'stream-removed', uid: 1, streamId: 's', reason: 'NO_DATA' } as const;
  const data = (messages: readonly { data: unknown }[]) => messages.map((m) => m.data);

  it('waits for the stream, shows each message once across comebacks, keeps the latest `limit`, and unsubscribes on unmount (StrictMode)', async () => {
    const fake = fakeClient();
    const view = renderHook(() => useStreamMessages(fake.client, 1, 's', { limit: 3 }), strict);
    await act(async () => {}); // not published yet: the subscribe is refused, nothing shows
    expect(view.result.current).toEqual([]);
    await act(async () => fake.emit(added));
    act(() => fake.deliver(1, 's', 'a'));
    expect(data(view.result.current)).toEqual(['a']);
    // The stream drops and comes back: stream-removed, stream-added (the hook subscribes again).
    await act(async () => {
      fake.emit(removed);
      fake.deliver(1, 's', 'b');
      fake.emit(added);
    });
    act(() => {
      fake.deliver(1, 's', 'c');
      fake.deliver(1, 's', 'd');
    });
    expect(data(view.result.current)).toEqual(['b', 'c', 'd']);
    expect(fake.counts.unsubscribes).toBe(0);
    view.unmount();
    await act(async () => {});
    expect(fake.counts.unsubscribes).toBe(1);
  });

  it('an app that also follows the naive pattern and a second component: each sees each message once; the last to unmount unsubscribes', async () => {
    const fake = fakeClient();
    const app: unknown[] = [];
    fake.client.on('stream-added', async ({ uid, streamId }) => {
      (await fake.client.subscribe(uid, streamId)).messages$.subscribe(({ data }) => app.push(data));
    });
    await act(async () => fake.emit(added));
    const one = renderHook(() => useStreamMessages(fake.client, 1, 's'));
    const two = renderHook(() => useStreamMessages(fake.client, 1, 's'));
    await act(async () => {});
    act(() => fake.deliver(1, 's', 'x'));
    await act(async () => {
      fake.emit(removed);
      fake.emit(added);
    });
    act(() => fake.deliver(1, 's', 'y'));
    expect([app, data(one.result.current), data(two.result.current)]).toEqual([['x', 'y'], ['x', 'y'], ['x', 'y']]);
    one.unmount();
    await act(async () => {});
    expect(fake.counts.unsubscribes).toBe(0);
    act(() => fake.deliver(1, 's', 'z'));
    expect(data(two.result.current)).toEqual(['x', 'y', 'z']);
    two.unmount();
    await act(async () => {});
    expect(fake.counts.unsubscribes).toBe(1);
  });

  it('null uid or stream id: nothing, and no subscribe', async () => {
    const fake = fakeClient();
    const { result } = renderHook(() => useStreamMessages(fake.client, null, 's'));
    await act(async () => {});
    expect(result.current).toEqual([]);
    expect(fake.counts.engineSubscribes).toBe(0);
  });
});
