/**
 * LocalChannel's backlog: kept while a join or resync waits for its snapshot, so that session gets
 * exactly the events after the snapshot's seq; dropped once none is in progress, so an idle
 * channel holds no events.
 */
import { describe, expect, test, vi } from 'vitest';
import type { Connection } from '../../server/connection.js';
import { LocalChannel } from '../../server/local-channel.js';
import { LocalSession } from '../../server/local-session.js';
import { channelKey, type StoreEvent } from '../../server/store.js';
import { Throttle } from '../../server/throttle.js';

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
/** The uids of the peer-online entries of every presence frame received, in order. */
const uidsOf = (frames: string[]) =>
  frames.flatMap((text) => {
    const frame = JSON.parse(text) as { type: string; events?: { uid: number }[] };
    return frame.type === 'presence' ? frame.events!.map((e) => e.uid) : [];
  });

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
    channel.flushPresence();
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

describe('LocalChannel batching', () => {
  test('events received together go out as one presence frame, encoded once for everyone', () => {
    const channel = new LocalChannel(key);
    const a = member(channel, 1);
    const b = member(channel, 2);
    a.session.syncedTo(0);
    b.session.syncedTo(0);
    for (let i = 1; i <= 500; i++) channel.receive(online(i, 100 + i));
    expect(a.received).toEqual([]); // nothing before the flush
    channel.flushPresence();
    expect(a.received).toHaveLength(1);
    expect(uidsOf(a.received)).toHaveLength(500);
    expect(b.received[0]).toBe(a.received[0]); // the same text, not another encoding
  });

  test('a session synced in the middle of a batch gets only what is newer; a session is not told about itself', () => {
    const channel = new LocalChannel(key);
    const early = member(channel, 1);
    early.session.syncedTo(0);
    const late = member(channel, 2);
    late.session.syncedTo(2);
    channel.receive(online(1, 10));
    channel.receive(online(2, 11));
    channel.receive(online(3, 12));
    channel.receive({ key, seq: 4, sessionId: 's1', origin: 'node', frame: { type: 'stream-added', uid: 1, streamId: 'a' } });
    channel.flushPresence();
    expect(uidsOf(early.received)).toEqual([10, 11, 12]); // its own stream-added left out
    expect(uidsOf(late.received)).toEqual([12, 1]);
  });

  test('without a flush asked for, the throttle sends the batch by itself, and a lone event goes out within the task', async () => {
    const channel = new LocalChannel(key, { presenceGapMs: 50, countsGapMs: 1000 });
    const a = member(channel, 1);
    a.session.syncedTo(0);
    channel.receive(online(1, 10));
    await new Promise((resolve) => setImmediate(resolve));
    expect(uidsOf(a.received)).toEqual([10]);
    channel.receive(online(2, 11));
    channel.receive(online(3, 12));
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.received).toHaveLength(1); // within the gap: held
    await expect.poll(() => a.received.length, { timeout: 1000 }).toBe(2);
    expect(uidsOf(a.received)).toEqual([10, 11, 12]);
    channel.close();
  });

  test('counts go out when newer ones arrive, at most once per gap, and not again when unchanged', async () => {
    const channel = new LocalChannel(key, { presenceGapMs: 50, countsGapMs: 60 });
    const a = member(channel, 1);
    const infos = () => a.received.map((text) => JSON.parse(text) as { type: string; hosts: number; audience: number }).filter((f) => f.type === 'channel-info');
    channel.updateCounts({ seq: 5, hosts: 1, audience: 10 });
    channel.updateCounts({ seq: 4, hosts: 1, audience: 9 }); // older: ignored
    await expect.poll(() => infos().length).toBe(1);
    expect(infos()[0]).toMatchObject({ hosts: 1, audience: 10 });
    channel.updateCounts({ seq: 6, hosts: 1, audience: 11 });
    channel.updateCounts({ seq: 7, hosts: 1, audience: 12 });
    await expect.poll(() => infos().length).toBe(2);
    expect(infos()[1]).toMatchObject({ hosts: 1, audience: 12 });
    channel.updateCounts({ seq: 8, hosts: 1, audience: 12 }); // same counts: nothing sent
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(infos()).toHaveLength(2);
    expect(channel.counts).toEqual({ hosts: 1, audience: 12 });
    channel.close();
  });

  test('the presence gap grows with the members on this node, up to its most', () => {
    const channel = new LocalChannel(key, { presenceGapMs: 50, presenceGapPerMemberMs: 1, maxPresenceGapMs: 120 });
    const gapWith = (n: number) => {
      while (channel.sessions.size < n) member(channel, channel.sessions.size + 1);
      return channel.presenceGapMs;
    };
    expect(gapWith(10)).toBe(50); // few members: the base gap
    expect(gapWith(80)).toBe(80); // one frame costs one send each: the gap follows them
    expect(gapWith(200)).toBe(120);
    channel.close();
  });

  test('a throttle reads a changing interval at each request (virtual time)', () => {
    vi.useFakeTimers();
    try {
      let interval = 100;
      const runs: number[] = [];
      const throttle = new Throttle(() => interval, () => runs.push(Date.now()), () => Date.now());
      const start = Date.now();
      throttle.request();
      vi.advanceTimersByTime(0);
      expect(runs).toEqual([start]); // the first run at once
      interval = 300;
      throttle.request();
      vi.advanceTimersByTime(299);
      expect(runs).toHaveLength(1); // held for the longer interval
      vi.advanceTimersByTime(1);
      expect(runs).toEqual([start, start + 300]);
      throttle.cancel();
    } finally {
      vi.useRealTimers();
    }
  });
});
