import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, MAX_NUMERIC_UID, PROTOCOL_VERSION } from '../../src/protocol.js';
import type { ChannelLinkServer } from '../../server/index.js';
import { RawClient, TEST_TIMEOUTS, startTestServer, uniqueChannel, until } from './raw-client.js';

let server: ChannelLinkServer;
const clients: RawClient[] = [];

async function joined(...args: Parameters<typeof RawClient.joined>) {
  const result = await RawClient.joined(...args);
  clients.push(result.client);
  return result;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.terminate();
});
afterAll(async () => {
  await server.close();
});

describe('join', () => {
  it('replies joined with a snapshot of the other members and announces the joiner', async () => {
    const channel = uniqueChannel();
    const { client: a, joined: ja } = await joined(server.url, { channel, uid: 1, streams: ['cam'] });
    expect(ja).toMatchObject({ type: 'joined', v: PROTOCOL_VERSION, uid: 1, resumed: false, peers: [], tokenExpiresAt: null });
    expect(ja.sessionId.length).toBeGreaterThanOrEqual(16);
    expect(Math.abs(ja.serverTime - Date.now())).toBeLessThan(5000);

    const started = Date.now();
    const { client: b, joined: jb } = await joined(server.url, { channel, uid: 2, streams: ['mic', 'cam'] });
    expect(jb.peers).toEqual([{ uid: 1, streams: ['cam'] }]);
    expect(jb.sessionId).not.toBe(ja.sessionId);

    expect(await a.next('peer-online')).toEqual({ type: 'peer-online', uid: 2 });
    expect(Date.now() - started).toBeLessThan(500); // connect + join + event on loopback
    expect(await a.next('stream-added')).toEqual({ type: 'stream-added', uid: 2, streamId: 'mic' });
    expect(await a.next('stream-added')).toEqual({ type: 'stream-added', uid: 2, streamId: 'cam' });
    // peer-online comes before the stream events
    expect(a.events().map((f) => f.type)).toEqual(['peer-online', 'stream-added', 'stream-added']);

    await b.ping();
    expect(b.events()).toEqual([]);
    expect(a.violations).toEqual([]);
    expect(b.violations).toEqual([]);
  });

  it('assigns a random unused numeric uid when uid is null or 0', async () => {
    const channel = uniqueChannel();
    const { joined: j1 } = await joined(server.url, { channel, uid: null });
    const { joined: j2 } = await joined(server.url, { channel, uid: 0 });
    for (const j of [j1, j2]) {
      expect(typeof j.uid).toBe('number');
      expect(Number.isInteger(j.uid)).toBe(true);
      expect(j.uid as number).toBeGreaterThanOrEqual(1);
      expect(j.uid as number).toBeLessThanOrEqual(MAX_NUMERIC_UID);
    }
    expect(j1.uid).not.toBe(j2.uid);
    expect(j2.peers).toEqual([{ uid: j1.uid, streams: [] }]);
  });

  it('isolates apps and channels, and tells number uids from string uids', async () => {
    const channel = uniqueChannel();
    const { client: a } = await joined(server.url, { channel, uid: 1, appId: 'app-a' });
    const { joined: other } = await joined(server.url, { channel, uid: 1, appId: 'app-b' });
    expect(other.peers).toEqual([]);
    const { joined: otherChannel } = await joined(server.url, { channel: `${channel}-x`, uid: 1, appId: 'app-a' });
    expect(otherChannel.peers).toEqual([]);
    const { joined: stringUid } = await joined(server.url, { channel, uid: '1', appId: 'app-a' });
    expect(stringUid.peers).toEqual([{ uid: 1, streams: [] }]);
    expect(await a.next('peer-online')).toEqual({ type: 'peer-online', uid: '1' });
    await a.ping();
    expect(a.events()).toHaveLength(1);
    expect(a.closeInfo).toBeNull();
  });

  it('rejects a second join on a joined socket without closing it', async () => {
    const { client: a } = await joined(server.url, { channel: uniqueChannel(), uid: 1 });
    a.send({ type: 'join', v: PROTOCOL_VERSION, appId: 'test', channel: 'x', uid: 5, token: null, role: 'host', streams: [], subscriptions: [] });
    expect(await a.next('error')).toMatchObject({ code: 'INVALID_OPERATION' });
    await a.ping();
  });
});

describe('ping', () => {
  it('answers pong with the same ts and the server time', async () => {
    const { client: a } = await joined(server.url, { channel: uniqueChannel(), uid: 1 });
    a.send({ type: 'ping', ts: 12345.5 });
    const pong = await a.next('pong');
    expect(pong.ts).toBe(12345.5);
    expect(Math.abs(pong.serverTime - Date.now())).toBeLessThan(5000);
  });
});

describe('publish / unpublish / subscribe', () => {
  it('publish adds a stream (idempotently) and unpublish removes it', async () => {
    const channel = uniqueChannel();
    const { client: a } = await joined(server.url, { channel, uid: 1 });
    const { client: b } = await joined(server.url, { channel, uid: 2 });
    await a.next('peer-online');

    expect(await b.request({ type: 'publish', streamId: 's1' })).toMatchObject({ type: 'ack' });
    expect(await a.next('stream-added')).toEqual({ type: 'stream-added', uid: 2, streamId: 's1' });
    expect(await b.request({ type: 'publish', streamId: 's1' })).toMatchObject({ type: 'ack' });

    expect(await b.request({ type: 'unpublish', streamId: 's1' })).toMatchObject({ type: 'ack' });
    expect(await a.next('stream-removed')).toEqual({ type: 'stream-removed', uid: 2, streamId: 's1', reason: 'UNPUBLISHED' });
    await a.ping();
    // the second publish of s1 produced no event
    expect(a.events().map((f) => f.type)).toEqual(['peer-online', 'stream-added', 'stream-removed']);

    const err = await b.request({ type: 'unpublish', streamId: 's1' });
    expect(err).toMatchObject({ type: 'error', code: 'NOT_PUBLISHED' });
    expect(b.closeInfo).toBeNull();
  });

  it('subscribing to a stream that does not exist fails with NOT_PUBLISHED', async () => {
    const channel = uniqueChannel();
    const { client: a } = await joined(server.url, { channel, uid: 1, streams: ['s1'] });
    const { client: b } = await joined(server.url, { channel, uid: 2 });
    expect(await b.request({ type: 'subscribe', uid: 1, streamId: 'nope' })).toMatchObject({ type: 'error', code: 'NOT_PUBLISHED' });
    expect(await b.request({ type: 'subscribe', uid: 3, streamId: 's1' })).toMatchObject({ type: 'error', code: 'NOT_PUBLISHED' });
    expect(await b.request({ type: 'subscribe', uid: '1', streamId: 's1' })).toMatchObject({ type: 'error', code: 'NOT_PUBLISHED' });
    expect(await b.request({ type: 'subscribe', uid: 1, streamId: 's1' })).toMatchObject({ type: 'ack' });
    expect(await b.request({ type: 'unsubscribe', uid: 1, streamId: 's1' })).toMatchObject({ type: 'ack' });
    expect(await b.request({ type: 'unsubscribe', uid: 1, streamId: 's1' })).toMatchObject({ type: 'ack' });
    await a.ping();
  });

  it('renew-token is acknowledged when no app certificate is set', async () => {
    const { client: a } = await joined(server.url, { channel: uniqueChannel(), uid: 1 });
    expect(await a.request({ type: 'renew-token', token: 'anything' })).toMatchObject({ type: 'ack' });
  });
});

describe('leave', () => {
  it('acks, closes with 1000, and peers see stream-removed PEER_LEFT then peer-leave QUIT at once', async () => {
    const channel = uniqueChannel();
    const { client: a } = await joined(server.url, { channel, uid: 1, streams: ['s1', 's2'] });
    const { client: b } = await joined(server.url, { channel, uid: 2 });

    const started = Date.now();
    a.send({ type: 'leave', id: 7 });
    expect(await a.next('ack')).toEqual({ type: 'ack', id: 7 });
    const close = await a.waitClosed();
    expect(close.code).toBe(CloseCode.NORMAL);

    const leave = await b.next('peer-leave');
    expect(Date.now() - started).toBeLessThan(TEST_TIMEOUTS.streamTimeoutMs);
    expect(leave).toEqual({ type: 'peer-leave', uid: 1, reason: 'QUIT' });
    expect(b.events()).toEqual([
      { type: 'stream-removed', uid: 1, streamId: 's1', reason: 'PEER_LEFT' },
      { type: 'stream-removed', uid: 1, streamId: 's2', reason: 'PEER_LEFT' },
      { type: 'peer-leave', uid: 1, reason: 'QUIT' },
    ]);

    // The uid is free again: a new join is a fresh member.
    const { joined: again } = await joined(server.url, { channel, uid: 1 });
    expect(again.resumed).toBe(false);
    expect(await b.next('peer-online')).toEqual({ type: 'peer-online', uid: 1 });
  });
});

describe('stats', () => {
  it('counts sessions, members, channels and sockets', async () => {
    const own = await startTestServer();
    const stops: (() => void)[] = [];
    try {
      const channel = uniqueChannel();
      const { client: a } = await joined(own.url, { channel, uid: 1 });
      const { client: b } = await joined(own.url, { channel, uid: 2 });
      const { client: c } = await joined(own.url, { channel: `${channel}-2`, uid: 1 });
      stops.push(b.heartbeat(100), c.heartbeat(100));
      const idle = await RawClient.connect(own.url);
      clients.push(idle);
      await until(() => own.stats().sockets === 4, 'four sockets');
      expect(own.stats()).toMatchObject({ sessions: 3, members: 3, channels: 2, sockets: 4 });

      // A dropped socket keeps its session until the peer timeout.
      a.terminate();
      await until(() => own.stats().sockets === 3, 'socket count to drop');
      // Its member is no longer connected; its session waits to resume.
      expect(own.stats()).toMatchObject({ sessions: 3, members: 2 });
      await until(() => own.stats().sessions === 2, 'the dropped session to time out');
      expect(own.stats()).toMatchObject({ sessions: 2, members: 2, channels: 2, sockets: 3 });
    } finally {
      for (const stop of stops) stop();
      await own.close();
    }
  });
});
