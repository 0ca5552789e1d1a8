/**
 * Isolation: several apps and channels side by side, with the same uids and stream ids in each.
 * A client hears events and receives data only from its own app + channel, and data only of the
 * streams it subscribed to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelLinkServer } from '../../server/index.js';
import { testClient, testServer } from '../integration/harness.js';
import { RawClient, quietPeriod, startTestServer } from '../server/raw-client.js';

interface Group {
  name: string;
  appId: string;
  channel: string;
  /** uid 1 publishes s1 and s2; uid 2 subscribes to s1 only; uid 3 subscribes to nothing. */
  members: Map<number, RawClient>;
  sessions: Map<number, string>;
  snapshots: Map<number, unknown>;
}

// Same channel name in other apps, and appId/channel pairs that a naive "app:channel" key would confuse.
const GROUPS: [string, string][] = [
  ['alpha', 'room'],
  ['beta', 'room'],
  ['alpha', 'lobby'],
  ['a', 'b:c'],
  ['a:b', 'c'],
  ['x","y', 'z'],
];

let server: ChannelLinkServer;
const groups: Group[] = [];
const stops: (() => void)[] = [];

beforeAll(async () => {
  server = await startTestServer({ peerTimeoutMs: 30_000, streamTimeoutMs: 30_000 });
  for (const [appId, channel] of GROUPS) {
    const group: Group = { name: `${appId}/${channel}`, appId, channel, members: new Map(), sessions: new Map(), snapshots: new Map() };
    const specs = [
      { uid: 1, streams: ['s1', 's2'], subscriptions: [] },
      { uid: 2, streams: [], subscriptions: [{ uid: 1, streamId: 's1' }] },
      { uid: 3, streams: [], subscriptions: [] },
    ];
    for (const spec of specs) {
      const { client, joined } = await RawClient.joined(server.url, { appId, channel, ...spec });
      group.members.set(spec.uid, client);
      group.sessions.set(spec.uid, joined.sessionId);
      group.snapshots.set(spec.uid, joined.peers);
      stops.push(client.heartbeat(200));
    }
    groups.push(group);
  }
});
afterAll(async () => {
  for (const stop of stops) stop();
  await server.close();
});

const tag = (g: Group, streamId: string, i: number) => `${g.name}|${streamId}|${i}`;

describe('isolation between apps and channels', () => {
  it('the same uid in every group: nobody was replaced, everyone joined into a channel of exactly its own group', () => {
    expect(server.stats()).toMatchObject({ members: GROUPS.length * 3, channels: GROUPS.length });
    for (const g of groups) {
      expect(g.snapshots.get(1), g.name).toEqual([]);
      expect(g.snapshots.get(2), g.name).toEqual([{ uid: 1, streams: ['s1', 's2'] }]);
      expect(g.snapshots.get(3), g.name).toEqual([{ uid: 1, streams: ['s1', 's2'] }, { uid: 2, streams: [] }]);
      for (const client of g.members.values()) {
        expect(client.closeInfo).toBeNull();
        expect(client.frames.some((f) => f.type === 'kicked')).toBe(false);
      }
    }
  });

  it('presence events stay inside the group: each member heard exactly its own two peers', async () => {
    for (const g of groups) {
      for (const [uid, client] of g.members) {
        await client.ping();
        const joinedBefore = [...g.members.keys()].filter((other) => other > uid);
        const seen = client.events().filter((e) => e.type === 'peer-online').map((e) => (e as { uid: number }).uid);
        expect(seen, `${g.name} uid ${uid}`).toEqual(joinedBefore);
        // uid 1 published at join, before the others came: they learnt its streams from their snapshot.
        expect(client.events().filter((e) => e.type !== 'peer-online'), `${g.name} uid ${uid}`).toEqual([]);
      }
    }
  });

  it('data reaches only subscribers of that stream in that group', async () => {
    for (const g of groups) {
      const pub = g.members.get(1)!;
      for (let i = 0; i < 5; i++) {
        pub.sendData('s1', tag(g, 's1', i));
        pub.sendData('s2', tag(g, 's2', i));
      }
      await pub.ping();
    }
    for (const g of groups) {
      const sub = g.members.get(2)!;
      await sub.waitFor(() => sub.data.length >= 5, `${g.name}: 5 messages`);
    }
    for (const g of groups) {
      await g.members.get(2)!.ping();
      expect(g.members.get(2)!.data.map((d) => d.data), g.name).toEqual([0, 1, 2, 3, 4].map((i) => tag(g, 's1', i)));
      expect(g.members.get(2)!.data.every((d) => d.uid === 1 && d.streamId === 's1')).toBe(true);
      expect(g.members.get(3)!.data, `${g.name} uid 3 subscribed to nothing`).toEqual([]);
      expect(g.members.get(1)!.data, `${g.name} uid 1 subscribed to nothing`).toEqual([]);
    }
  });

  it("a stream of another group cannot be subscribed to, even naming it in the join frame", async () => {
    const [a, b] = [groups[0]!, groups[1]!];
    const { client: spy } = await RawClient.joined(server.url, { appId: a.appId, channel: a.channel, uid: 50 });
    // uid 1 of the other group publishes s1 too, but in *this* group uid 1's s1 is a different stream.
    expect(await spy.request({ type: 'subscribe', uid: 51, streamId: 's1' })).toMatchObject({ type: 'error', code: 'NOT_PUBLISHED' });
    const { client: spy2 } = await RawClient.joined(server.url, { appId: a.appId, channel: a.channel, uid: 52, subscriptions: [{ uid: 9, streamId: 's9' }] });
    const { client: other } = await RawClient.joined(server.url, { appId: b.appId, channel: b.channel, uid: 9, streams: ['s9'] });
    other.sendData('s9', 'secret');
    await other.ping();
    await spy2.ping();
    expect(spy2.data).toEqual([]);
    for (const c of [spy, spy2, other]) {
      c.send({ type: 'leave', id: 999 });
      await c.waitClosed();
    }
  });

  it("a session id from another group does not resume or disturb that session", async () => {
    const [a, b] = [groups[2]!, groups[3]!];
    const { client: intruder, joined } = await RawClient.joined(server.url, {
      appId: a.appId,
      channel: a.channel,
      uid: 7,
      sessionId: b.sessions.get(1)!,
    });
    // A fresh member of its own group, never a resume of b's uid 1.
    expect(joined.resumed).toBe(false);
    expect(joined.uid).toBe(7);
    expect(joined.sessionId).not.toBe(b.sessions.get(1));
    await b.members.get(1)!.ping();
    expect(b.members.get(1)!.closeInfo).toBeNull();
    expect(b.members.get(2)!.events().filter((e) => e.type === 'peer-leave' || e.type === 'kicked')).toEqual([]);
    intruder.send({ type: 'leave', id: 1 });
    await intruder.waitClosed();
  });

  it('a leave is heard only in its own group', async () => {
    const g = groups[4]!;
    // Whatever earlier cases caused has arrived (a ping's pong follows every event decided before it).
    for (const other of groups) await other.members.get(2)!.ping();
    const before = groups.map((other) => other.members.get(2)!.events().length);
    const leaver = g.members.get(3)!;
    leaver.send({ type: 'leave', id: 1 });
    await leaver.waitClosed();
    await g.members.get(2)!.waitFor(() => g.members.get(2)!.events().some((e) => e.type === 'peer-leave'), 'the leave');
    for (const [i, other] of groups.entries()) {
      await other.members.get(2)!.ping();
      const added = other.members.get(2)!.events().slice(before[i]);
      expect(added, other.name).toEqual(other === g ? [{ type: 'peer-leave', uid: 3, reason: 'QUIT' }] : []);
    }
  });
});

describe('isolation with the SDK', () => {
  it('the same uid and channel in two apps: both CONNECTED, neither sees the other', async () => {
    const s = await testServer();
    const a = testClient(s.url, { appId: 'app-one' });
    const b = testClient(s.url, { appId: 'app-two' });
    await a.client.join(null, 'shared', 1);
    await b.client.join(null, 'shared', 1);
    const streamA = await a.client.publish();
    streamA.send('hello');
    await quietPeriod(300);
    expect(a.client.getConnectionState()).toBe('CONNECTED');
    expect(b.client.getConnectionState()).toBe('CONNECTED');
    expect(a.log('peer-online', 'peer-leave', 'stream-added')).toEqual([]);
    expect(b.log('peer-online', 'peer-leave', 'stream-added')).toEqual([]);
    expect(b.peers().size).toBe(0);
  });
});
