import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Uid } from '../../src/types.js';
import { PresenceTable, type PeerSnapshot, type ViewChange } from '../../worker/presence.js';

/** A comparable form of a table: sorted peers with sorted streams, uid kept typed. */
function normalize(snapshot: readonly PeerSnapshot[]): [string, string[]][] {
  return snapshot
    .map((p): [string, string[]] => [`${typeof p.uid}:${p.uid}`, [...new Set(p.streams)].sort()])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function tableOf(snapshot: readonly PeerSnapshot[]): PresenceTable {
  const table = new PresenceTable();
  table.applySnapshot(snapshot);
  return table;
}

/** Replays presence events onto a model, failing on any event that is not a real change. */
function replay(start: readonly PeerSnapshot[], events: readonly ViewChange[]): PeerSnapshot[] {
  const model = new Map<Uid, Set<string>>(start.map((p) => [p.uid, new Set(p.streams)]));
  for (const e of events) {
    switch (e.type) {
      case 'peer-online':
        expect(model.has(e.uid), `duplicate peer-online ${String(e.uid)}`).toBe(false);
        model.set(e.uid, new Set());
        break;
      case 'peer-leave':
        expect(model.get(e.uid), `peer-leave of unknown ${String(e.uid)}`).toBeDefined();
        expect(model.get(e.uid)!.size, 'stream-removed must precede peer-leave').toBe(0);
        model.delete(e.uid);
        break;
      case 'stream-added':
        expect(model.has(e.uid), 'stream-added for a peer never announced').toBe(true);
        expect(model.get(e.uid)!.has(e.streamId), 'duplicate stream-added').toBe(false);
        model.get(e.uid)!.add(e.streamId);
        break;
      case 'stream-removed':
        expect(model.get(e.uid)?.has(e.streamId), 'stream-removed of unknown stream').toBe(true);
        model.get(e.uid)!.delete(e.streamId);
        break;
      default:
        throw new Error(`unexpected event ${e.type}`);
    }
  }
  return [...model].map(([uid, streams]) => ({ uid, streams: [...streams] }));
}

describe('PresenceTable incremental events', () => {
  it('dedupes peer-online', () => {
    const table = new PresenceTable();
    expect(table.peerOnline(2)).toEqual([{ type: 'peer-online', uid: 2, attributes: {} }]);
    expect(table.peerOnline(2)).toEqual([]);
    // number 2 and string '2' are different uids
    expect(table.peerOnline('2')).toEqual([{ type: 'peer-online', uid: '2', attributes: {} }]);
    expect(table.size).toBe(2);
  });

  it('stream-added announces an unknown peer first, and dedupes', () => {
    const table = new PresenceTable();
    expect(table.streamAdded(3, 'a')).toEqual([
      { type: 'peer-online', uid: 3, attributes: {} },
      { type: 'stream-added', uid: 3, streamId: 'a' },
    ]);
    expect(table.streamAdded(3, 'a')).toEqual([]);
    expect(table.streamAdded(3, 'b')).toEqual([{ type: 'stream-added', uid: 3, streamId: 'b' }]);
    expect(table.hasStream(3, 'b')).toBe(true);
  });

  it('ignores removal of unknown peers and streams', () => {
    const table = new PresenceTable();
    expect(table.peerLeave(9, 'QUIT')).toEqual([]);
    expect(table.streamRemoved(9, 'a', 'UNPUBLISHED')).toEqual([]);
    table.peerOnline(9);
    expect(table.streamRemoved(9, 'a', 'UNPUBLISHED')).toEqual([]);
    table.streamAdded(9, 'a');
    expect(table.streamRemoved(9, 'a', 'NO_DATA')).toEqual([{ type: 'stream-removed', uid: 9, streamId: 'a', reason: 'NO_DATA' }]);
    expect(table.streamRemoved(9, 'a', 'NO_DATA')).toEqual([]);
    expect(table.peerOnline(9), 'still a peer').toEqual([]);
  });

  it('peerLeave emits stream-removed PEER_LEFT for each stream before peer-leave', () => {
    const table = new PresenceTable();
    table.streamAdded(4, 'a');
    table.streamAdded(4, 'b');
    expect(table.peerLeave(4, 'QUIT')).toEqual([
      { type: 'stream-removed', uid: 4, streamId: 'a', reason: 'PEER_LEFT' },
      { type: 'stream-removed', uid: 4, streamId: 'b', reason: 'PEER_LEFT' },
      { type: 'peer-leave', uid: 4, reason: 'QUIT' },
    ]);
    expect(table.peerLeave(4, 'QUIT')).toEqual([]);
    expect(table.size).toBe(0);
  });
});

describe('PresenceTable.applySnapshot', () => {
  const prior: PeerSnapshot[] = [
    { uid: 1, streams: ['a'] },
    { uid: 2, streams: ['b', 'c'] },
    { uid: 'x', streams: [] },
  ];

  it('on an empty table announces every peer and stream', () => {
    expect(new PresenceTable().applySnapshot(prior)).toEqual([
      { type: 'peer-online', uid: 1, attributes: {} },
      { type: 'stream-added', uid: 1, streamId: 'a' },
      { type: 'peer-online', uid: 2, attributes: {} },
      { type: 'stream-added', uid: 2, streamId: 'b' },
      { type: 'stream-added', uid: 2, streamId: 'c' },
      { type: 'peer-online', uid: 'x', attributes: {} },
    ]);
  });

  it('diffs against the prior table: departures first, then arrivals and stream changes', () => {
    const table = tableOf(prior);
    const events = table.applySnapshot([
      { uid: 2, streams: ['c', 'd'] }, // b gone, d new
      { uid: 'x', streams: [] }, // unchanged
      { uid: 5, streams: ['e'] }, // new peer
    ]);
    expect(events).toEqual([
      { type: 'stream-removed', uid: 1, streamId: 'a', reason: 'PEER_LEFT' },
      { type: 'peer-leave', uid: 1, reason: 'SERVER_TIMEOUT' },
      { type: 'stream-removed', uid: 2, streamId: 'b', reason: 'NO_DATA' },
      { type: 'stream-added', uid: 2, streamId: 'd' },
      { type: 'peer-online', uid: 5, attributes: {} },
      { type: 'stream-added', uid: 5, streamId: 'e' },
    ]);
  });

  it('an unchanged snapshot yields no events, and so does applying the same snapshot twice', () => {
    const table = tableOf(prior);
    expect(table.applySnapshot(prior)).toEqual([]);
    const next = [{ uid: 7, streams: ['z'] }];
    expect(table.applySnapshot(next)).not.toEqual([]);
    // Nothing to say the second time: the table is that snapshot.
    expect(table.applySnapshot(next)).toEqual([]);
  });

  it('an empty snapshot clears everything, with events', () => {
    const table = tableOf(prior);
    const events = table.applySnapshot([]);
    expect(events.filter((e) => e.type === 'peer-leave')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'stream-removed')).toHaveLength(3);
    expect(table.size).toBe(0);
  });

  it('property: the table becomes the snapshot and the events replay the old table into it', () => {
    const uid = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom('1', '2', 'u'));
    const streams = fc.uniqueArray(fc.constantFrom('s1', 's2', 's3', 's4'), { maxLength: 4 });
    const snapshot = fc.uniqueArray(fc.record({ uid, streams }), { selector: (p) => `${typeof p.uid}:${p.uid}`, maxLength: 8 });
    fc.assert(
      fc.property(snapshot, snapshot, (before, after) => {
        const table = tableOf(before);
        const events = table.applySnapshot(after);
        expect(normalize(replay(before, events))).toEqual(normalize(after));
        // The table is `after` now: applying it again says nothing.
        expect(table.applySnapshot(after)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('attributes: peer-online carries them, a change is one peer-attributes-changed, the same value nothing', () => {
    const table = new PresenceTable();
    expect(table.peerOnline(1, { name: 'Ada' })).toEqual([{ type: 'peer-online', uid: 1, attributes: { name: 'Ada' } }]);
    expect(table.setAttributes(1, { name: 'Ada' })).toEqual([]);
    expect(table.setAttributes(1, { name: 'Ada', hand: 'up' })).toEqual([{ type: 'peer-attributes-changed', uid: 1, attributes: { name: 'Ada', hand: 'up' } }]);
    // A stream's arrival keeps them; an unknown peer's attributes are ignored.
    table.streamAdded(1, 's');
    expect(table.setAttributes(9, { name: 'x' })).toEqual([]);
    // A snapshot after a gap tells what changed meanwhile.
    expect(table.applySnapshot([{ uid: 1, streams: ['s'], attributes: { name: 'Ada' } }])).toEqual([
      { type: 'peer-attributes-changed', uid: 1, attributes: { name: 'Ada' } },
    ]);
    expect(table.applySnapshot([{ uid: 1, streams: ['s'], attributes: { name: 'Ada' } }])).toEqual([]);
  });

  it('quality: a change of a known host is one peer-quality change; a leave forgets it', () => {
    const table = new PresenceTable();
    table.peerOnline(2, {});
    expect(table.setQuality(2, [1, 3])).toEqual([{ type: 'peer-quality', uid: 2, quality: { uplinkNetworkQuality: 1, downlinkNetworkQuality: 3 } }]);
    expect(table.setQuality(2, [1, 3])).toEqual([]);
    expect(table.setQuality(7, [1, 1])).toEqual([]);
    expect(table.applySnapshot([{ uid: 2, streams: [], quality: [2, 3] }])).toEqual([
      { type: 'peer-quality', uid: 2, quality: { uplinkNetworkQuality: 2, downlinkNetworkQuality: 3 } },
    ]);
    table.peerLeave(2, 'QUIT');
    table.peerOnline(2, {});
    expect(table.setQuality(2, [2, 3])).toHaveLength(1);
  });
});
