import { describe, expect, it } from 'vitest';
import { PeerMirror } from '../../src/peer-mirror.js';
import type { PeerTable } from '../../src/types.js';

const plain = (table: PeerTable) => [...table].map(([uid, p]) => [uid, p.uid, [...p.streams].sort()]);

describe('PeerMirror', () => {
  it('builds the table from presence events, each change a new map', () => {
    const mirror = new PeerMirror();
    const seen: PeerTable[] = [];
    mirror.peers$.subscribe((t) => seen.push(t));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.size).toBe(0);

    mirror.apply({ type: 'peer-online', uid: 1 });
    const afterOnline = mirror.current;
    mirror.apply({ type: 'stream-added', uid: 1, streamId: 'a' });
    mirror.apply({ type: 'stream-added', uid: 'two', streamId: 'b' }); // unknown peer: added with the stream
    mirror.apply({ type: 'stream-added', uid: 1, streamId: 'c' });
    expect(plain(mirror.current)).toEqual([
      [1, 1, ['a', 'c']],
      ['two', 'two', ['b']],
    ]);
    // Earlier snapshots were not mutated.
    expect(plain(afterOnline)).toEqual([[1, 1, []]]);
    expect(plain(seen[0]!)).toEqual([]);
    expect(new Set(seen).size).toBe(seen.length);

    const beforeRemove = mirror.current;
    const peerBefore = beforeRemove.get(1)!;
    mirror.apply({ type: 'stream-removed', uid: 1, streamId: 'a', reason: 'UNPUBLISHED' });
    expect([...mirror.current.get(1)!.streams]).toEqual(['c']);
    expect([...peerBefore.streams].sort()).toEqual(['a', 'c']);
    expect(beforeRemove.get(1)).toBe(peerBefore);

    mirror.apply({ type: 'peer-leave', uid: 'two', reason: 'QUIT' });
    expect([...mirror.current.keys()]).toEqual([1]);
    expect(beforeRemove.has('two')).toBe(true);
  });

  it('ignores no-op events without emitting', () => {
    const mirror = new PeerMirror();
    mirror.apply({ type: 'peer-online', uid: 1 });
    const seen: PeerTable[] = [];
    mirror.peers$.subscribe((t) => seen.push(t));
    mirror.apply({ type: 'peer-online', uid: 1 });
    mirror.apply({ type: 'peer-leave', uid: 9, reason: 'QUIT' });
    mirror.apply({ type: 'stream-removed', uid: 1, streamId: 'zz', reason: 'NO_DATA' });
    mirror.apply({ type: 'stream-removed', uid: 9, streamId: 'zz', reason: 'NO_DATA' });
    mirror.apply({ type: 'connected', resumed: false, recovered: true });
    mirror.apply({ type: 'connection-state-change', curState: 'CONNECTING', prevState: 'CONNECTED', reason: 'TIMEOUT' });
    expect(seen).toHaveLength(1);
    expect(mirror.current.size).toBe(1);
  });

  it('DISCONNECTED clears the table', () => {
    const mirror = new PeerMirror();
    mirror.apply({ type: 'stream-added', uid: 1, streamId: 'a' });
    mirror.apply({ type: 'peer-online', uid: 2 });
    const before = mirror.current;
    mirror.apply({ type: 'connection-state-change', curState: 'DISCONNECTED', prevState: 'CONNECTED', reason: 'LEAVE' });
    expect(mirror.current.size).toBe(0);
    expect(before.size).toBe(2);
  });

  it('complete() completes peers$', () => {
    const mirror = new PeerMirror();
    let completed = false;
    mirror.peers$.subscribe({ complete: () => (completed = true) });
    mirror.complete();
    expect(completed).toBe(true);
  });
});
