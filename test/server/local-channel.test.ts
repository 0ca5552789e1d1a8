/**
 * LocalChannel's backlog: kept while a join or resync waits for its snapshot, so that session gets
 * exactly the events after the snapshot's seq; dropped once none is in progress, so an idle
 * channel holds no events.
 */
import { describe, expect, test } from 'vitest';
import type { Connection } from '../../server/connection.js';
import { LocalChannel } from '../../server/local-channel.js';
import { LocalSession } from '../../server/local-session.js';
import { channelKey, type StoreEvent } from '../../server/store.js';

const key = channelKey('app', 'room');

function member(channel: LocalChannel, uid: number): { session: LocalSession; received: string[] } {
  const received: string[] = [];
  const session = new LocalSession({ key, uid, sessionId: `s${uid}` }, channel, []);
  // Only what deliver() uses of a connection: the frames it is sent.
  session.conn = { sendText: (text: string) => received.push(text) } as unknown as Connection;
  channel.sessions.add(session);
  return { session, received };
}

const online = (seq: number, uid: number): StoreEvent => ({ key, seq, sessionId: `s${uid}`, origin: 'node', frame: { type: 'peer-online', uid } });
const uidsOf = (frames: string[]) => frames.map((text) => (JSON.parse(text) as { uid: number }).uid);

describe('LocalChannel backlog', () => {
  test('a join in progress gets exactly the events after its snapshot, once each', () => {
    const channel = new LocalChannel(key);
    channel.beginJoin();
    channel.receive(online(1, 10));
    channel.receive(online(2, 11));
    channel.receive(online(3, 12));
    const { session, received } = member(channel, 1);
    expect(channel.sync(session, 1)).toBe('synced');
    expect(uidsOf(received)).toEqual([11, 12]);
    channel.receive(online(3, 12)); // seen already: not delivered again
    channel.receive(online(4, 13));
    expect(uidsOf(received)).toEqual([11, 12, 13]);
    channel.endJoin();
  });

  test('with no join or resync in progress no event is kept: a snapshot older than one received is stale', () => {
    const channel = new LocalChannel(key);
    channel.receive(online(1, 10));
    channel.receive(online(2, 11));
    const { session, received } = member(channel, 1);
    expect(channel.sync(session, 1)).toBe('stale');
    // A snapshot taken after the events includes them: nothing to replay.
    expect(channel.sync(session, 2)).toBe('synced');
    expect(received).toEqual([]);
  });

  test('the backlog is dropped when the last join ends, and kept while a resync still runs', () => {
    const channel = new LocalChannel(key);
    channel.beginJoin();
    channel.beginResync();
    channel.receive(online(1, 10));
    channel.receive(online(2, 11));
    channel.endJoin();
    const first = member(channel, 1);
    expect(channel.sync(first.session, 0)).toBe('synced');
    expect(uidsOf(first.received)).toEqual([10, 11]);
    channel.endResync();
    const second = member(channel, 2);
    expect(channel.sync(second.session, 0)).toBe('stale');
    expect(second.received).toEqual([]);
    expect(channel.idle).toBe(false); // its sessions hold it
  });

  test('a channel with only a join in progress is not idle; once it ends and nobody is left, it is', () => {
    const channel = new LocalChannel(key);
    channel.beginJoin();
    expect(channel.idle).toBe(false);
    channel.endJoin();
    expect(channel.idle).toBe(true);
  });
});
