import { describe, expect, it } from 'vitest';
import { PeerMirror } from '../../src/peer-mirror.js';
import type { ChannelEvent, PeerTable } from '../../src/types.js';

const plain = (table: PeerTable) => [...table].map(([uid, p]) => [uid, p.uid, [...p.streams].sort()]);

/** One event as a batch of its own: staged, then published. */
function apply(mirror: PeerMirror, event: ChannelEvent): void {
  mirror.stage({ kind: 'event', event });
  mirror.flush();
}
const online = (uid: number | string): ChannelEvent => ({ type: 'peer-online', uid, attributes: {} });

describe('PeerMirror', () => {
  it('builds the table from presence events, each change a new map', () => {
    const mirror = new PeerMirror();
    const seen: PeerTable[] = [];
    mirror.peers$.subscribe((t) => seen.push(t));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.size).toBe(0);

    apply(mirror, online(1));
    const afterOnline = mirror.current;
    apply(mirror, { type: 'stream-added', uid: 1, streamId: 'a' });
    apply(mirror, { type: 'stream-added', uid: 'two', streamId: 'b' }); // unknown peer: added with the stream
    apply(mirror, { type: 'stream-added', uid: 1, streamId: 'c' });
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
    apply(mirror, { type: 'stream-removed', uid: 1, streamId: 'a', reason: 'UNPUBLISHED' });
    expect([...mirror.current.get(1)!.streams]).toEqual(['c']);
    expect([...peerBefore.streams].sort()).toEqual(['a', 'c']);
    expect(beforeRemove.get(1)).toBe(peerBefore);

    apply(mirror, { type: 'peer-leave', uid: 'two', reason: 'QUIT' });
    expect([...mirror.current.keys()]).toEqual([1]);
    expect(beforeRemove.has('two')).toBe(true);
  });

  it('ignores no-op events without emitting', () => {
    const mirror = new PeerMirror();
    apply(mirror, online(1));
    const seen: PeerTable[] = [];
    mirror.peers$.subscribe((t) => seen.push(t));
    apply(mirror, online(1));
    apply(mirror, { type: 'peer-leave', uid: 9, reason: 'QUIT' });
    apply(mirror, { type: 'stream-removed', uid: 1, streamId: 'zz', reason: 'NO_DATA' });
    apply(mirror, { type: 'stream-removed', uid: 9, streamId: 'zz', reason: 'NO_DATA' });
    apply(mirror, { type: 'connected', resumed: false, recovered: true });
    apply(mirror, { type: 'connection-state-change', curState: 'CONNECTING', prevState: 'CONNECTED', reason: 'TIMEOUT' });
    expect(seen).toHaveLength(1);
    expect(mirror.current.size).toBe(1);
  });

  it('DISCONNECTED clears the table', () => {
    const mirror = new PeerMirror();
    apply(mirror, { type: 'stream-added', uid: 1, streamId: 'a' });
    apply(mirror, online(2));
    const before = mirror.current;
    apply(mirror, { type: 'connection-state-change', curState: 'DISCONNECTED', prevState: 'CONNECTED', reason: 'LEAVE' });
    expect(mirror.current.size).toBe(0);
    expect(before.size).toBe(2);
  });

  it('a batch of changes is one emission, and a published table is never changed by a later batch', () => {
    const mirror = new PeerMirror();
    const seen: PeerTable[] = [];
    mirror.peers$.subscribe((t) => seen.push(t));
    for (let uid = 1; uid <= 1000; uid++) mirror.stage({ kind: 'event', event: online(uid) });
    mirror.stage({ kind: 'event', event: { type: 'stream-added', uid: 7, streamId: 'a' } });
    expect(seen).toHaveLength(1); // nothing published while staging
    mirror.flush();
    expect(seen).toHaveLength(2);
    const first = seen[1]!;
    expect(first.size).toBe(1000);
    mirror.stage({ kind: 'event', event: { type: 'peer-leave', uid: 7, reason: 'QUIT' } });
    mirror.stage({ kind: 'event', event: online(1001) });
    mirror.flush();
    expect(seen).toHaveLength(3);
    expect(first.size).toBe(1000);
    expect([...first.get(7)!.streams]).toEqual(['a']);
    expect(seen[2]!.has(7)).toBe(false);
    mirror.flush(); // nothing staged: nothing published
    expect(seen).toHaveLength(3);
  });

  it('complete() completes peers$', () => {
    const mirror = new PeerMirror();
    let completed = false;
    mirror.peers$.subscribe({ complete: () => (completed = true) });
    mirror.complete();
    expect(completed).toBe(true);
  });
});
