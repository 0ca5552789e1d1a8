import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/protocol.js';
import type { ChannelLinkServer } from '../../server/index.js';
import { RawClient, TEST_TIMEOUTS, quietPeriod, startTestServer, uniqueChannel } from './raw-client.js';

const { streamTimeoutMs, peerTimeoutMs } = TEST_TIMEOUTS; // 300, 600
let server: ChannelLinkServer;
const clients: RawClient[] = [];
const stops: (() => void)[] = [];

async function joined(...args: Parameters<typeof RawClient.joined>) {
  const result = await RawClient.joined(...args);
  clients.push(result.client);
  return result;
}

/** A peer that stays alive for the whole test and records what it is told. */
async function observer(channel: string, uid = 2): Promise<RawClient> {
  const { client } = await joined(server.url, { channel, uid });
  stops.push(client.heartbeat(100));
  return client;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  for (const c of clients.splice(0)) c.terminate();
});
afterAll(async () => {
  await server.close();
});

describe('liveness timeouts', () => {
  it('a dropped socket: stream-removed NO_DATA after streamTimeout, then peer-leave SERVER_TIMEOUT after peerTimeout', async () => {
    const channel = uniqueChannel();
    const { client: a } = await joined(server.url, { channel, uid: 1, streams: ['s1', 's2'] });
    const b = await observer(channel);
    const lastHeard = Date.now(); // the server hears a's last frame (the ping) no earlier than this
    await a.ping();
    a.terminate();

    await b.next('stream-removed', 2000);
    const streamsGoneAfter = Date.now() - lastHeard;
    await b.next('peer-leave', 2000);
    const peerGoneAfter = Date.now() - lastHeard;

    expect(b.events()).toEqual([
      { type: 'stream-removed', uid: 1, streamId: 's1', reason: 'NO_DATA' },
      { type: 'stream-removed', uid: 1, streamId: 's2', reason: 'NO_DATA' },
      { type: 'peer-leave', uid: 1, reason: 'SERVER_TIMEOUT' },
    ]);
    // (2 ms of slack for millisecond rounding of the two clocks readings)
    expect(streamsGoneAfter).toBeGreaterThanOrEqual(streamTimeoutMs - 2);
    expect(streamsGoneAfter).toBeLessThan(peerTimeoutMs);
    expect(peerGoneAfter).toBeGreaterThanOrEqual(peerTimeoutMs - 2);
    expect(peerGoneAfter).toBeLessThan(peerTimeoutMs + 1000);
  });

  it('a half-open socket (open but silent) is timed out and terminated', async () => {
    const channel = uniqueChannel();
    const { client: a } = await joined(server.url, { channel, uid: 1, streams: ['s1'] });
    const b = await observer(channel);
    expect(await b.next('stream-removed', 2000)).toMatchObject({ uid: 1, reason: 'NO_DATA' });
    expect(a.closeInfo).toBeNull(); // streams time out first; the socket stays
    expect(await b.next('peer-leave', 2000)).toEqual({ type: 'peer-leave', uid: 1, reason: 'SERVER_TIMEOUT' });
    const close = await a.waitClosed();
    expect(close.code).toBe(1006); // terminated, no closing handshake
  });

  it('streams that timed out on a live member can be published again and time out again', async () => {
    const channel = uniqueChannel();
    const { client: a } = await joined(server.url, { channel, uid: 1, streams: ['s1'] });
    const b = await observer(channel);
    expect(await b.next('stream-removed', 2000)).toMatchObject({ reason: 'NO_DATA' });
    // a wakes up before the peer timeout and republishes, then goes silent again
    const republished = Date.now(); // the server hears the publish no earlier than this
    expect(await a.request({ type: 'publish', streamId: 's1' })).toMatchObject({ type: 'ack' });
    expect(await b.next('stream-added')).toEqual({ type: 'stream-added', uid: 1, streamId: 's1' });
    expect(await b.next('stream-removed', 2000)).toMatchObject({ reason: 'NO_DATA' });
    expect(Date.now() - republished).toBeGreaterThanOrEqual(streamTimeoutMs - 2);
    expect(await b.next('peer-leave', 2000)).toMatchObject({ reason: 'SERVER_TIMEOUT' });
  });
});

describe('session resume', () => {
  it('within the stream timeout: resumed, peers see nothing at all', async () => {
    const channel = uniqueChannel();
    const { client: a, joined: first } = await joined(server.url, { channel, uid: 1, streams: ['s1'] });
    const b = await observer(channel);
    await a.next('peer-online');
    a.terminate();

    const { client: a2, joined: again } = await joined(server.url, {
      channel,
      uid: 1,
      sessionId: first.sessionId,
      streams: ['s1'],
    });
    stops.push(a2.heartbeat(100));
    expect(again.resumed).toBe(true);
    expect(again.sessionId).toBe(first.sessionId);
    expect(again.uid).toBe(1);
    expect(again.peers).toEqual([{ uid: 2, streams: [] }]);

    // Past both timeouts of the first socket's silence: the new socket keeps the session alive.
    await quietPeriod(peerTimeoutMs + 100);
    await b.ping();
    expect(b.events()).toEqual([]);
    expect(server.stats().members).toBeGreaterThanOrEqual(2);
  });

  it('closes the previous socket of the session if it is still open, silently for peers', async () => {
    const channel = uniqueChannel();
    const { client: a, joined: first } = await joined(server.url, { channel, uid: 1 });
    const b = await observer(channel);
    const { joined: again } = await joined(server.url, { channel, uid: 1, sessionId: first.sessionId });
    expect(again.resumed).toBe(true);
    const close = await a.waitClosed();
    expect(close.code).toBe(CloseCode.NORMAL);
    expect(close.reason).not.toBe('');
    expect(a.events().filter((f) => f.type === 'kicked')).toEqual([]); // it is the same client
    await b.ping();
    expect(b.events()).toEqual([]);
  });

  it('after the stream timeout: resumed, peers see stream-added again and nothing else', async () => {
    const channel = uniqueChannel();
    const { client: a, joined: first } = await joined(server.url, { channel, uid: 1, streams: ['s1', 's2'] });
    const b = await observer(channel);
    a.terminate();
    await b.waitFor(() => b.events().length === 2, 'both streams to time out', 2000);
    expect(b.events().every((f) => f.type === 'stream-removed' && f.reason === 'NO_DATA')).toBe(true);

    const { client: a2, joined: again } = await joined(server.url, {
      channel,
      uid: 1,
      sessionId: first.sessionId,
      streams: ['s1', 's3'],
    });
    stops.push(a2.heartbeat(100));
    expect(again.resumed).toBe(true);
    await b.waitFor(() => b.events().length === 4, 'stream-added twice');
    await b.ping();
    expect(b.events().slice(2)).toEqual([
      { type: 'stream-added', uid: 1, streamId: 's1' },
      { type: 'stream-added', uid: 1, streamId: 's3' },
    ]);
  });

  it('removes streams the resuming client no longer lists (UNPUBLISHED)', async () => {
    const channel = uniqueChannel();
    const { client: a, joined: first } = await joined(server.url, { channel, uid: 1, streams: ['s1', 's2'] });
    const b = await observer(channel);
    a.terminate();
    const { client: a2 } = await joined(server.url, { channel, uid: 1, sessionId: first.sessionId, streams: ['s2'] });
    stops.push(a2.heartbeat(100));
    expect(await b.next('stream-removed')).toEqual({ type: 'stream-removed', uid: 1, streamId: 's1', reason: 'UNPUBLISHED' });
    await b.ping();
    expect(b.events()).toHaveLength(1);
  });

  it('after the peer timeout: a fresh session, peers see peer-online and stream-added again', async () => {
    const channel = uniqueChannel();
    const { client: a, joined: first } = await joined(server.url, { channel, uid: 1, streams: ['s1'] });
    const b = await observer(channel);
    a.terminate();
    await b.next('peer-leave', 2000);

    const { joined: again } = await joined(server.url, { channel, uid: 1, sessionId: first.sessionId, streams: ['s1'] });
    expect(again.resumed).toBe(false);
    expect(again.sessionId).not.toBe(first.sessionId);
    expect(await b.next('peer-online')).toEqual({ type: 'peer-online', uid: 1 });
    expect(await b.next('stream-added')).toEqual({ type: 'stream-added', uid: 1, streamId: 's1' });
  });

  it('a session id from another channel or uid is not resumed there', async () => {
    const channel = uniqueChannel();
    const { joined: first } = await joined(server.url, { channel, uid: 1 });
    const { joined: elsewhere } = await joined(server.url, { channel: `${channel}-b`, uid: 1, sessionId: first.sessionId });
    expect(elsewhere.resumed).toBe(false);
    const { joined: otherUid } = await joined(server.url, { channel, uid: 5, sessionId: first.sessionId });
    expect(otherUid.resumed).toBe(false);
    expect(otherUid.peers).toEqual([{ uid: 1, streams: [] }]);
  });
});

describe('uid replacement', () => {
  it('kicks the older socket (UID_BANNED, 4509); peers see no leave, only stream changes', async () => {
    const channel = uniqueChannel();
    const { client: old } = await joined(server.url, { channel, uid: 1, streams: ['s1', 's2'] });
    const b = await observer(channel);

    const { client: newer, joined: j } = await joined(server.url, { channel, uid: 1, streams: ['s2', 's3'] });
    stops.push(newer.heartbeat(100));
    expect(j.resumed).toBe(false);
    expect(j.peers).toEqual([{ uid: 2, streams: [] }]);

    const kicked = await old.next('kicked');
    expect(kicked.reason).toBe('UID_BANNED');
    expect(kicked.message).not.toBe('');
    const close = await old.waitClosed();
    expect(close.code).toBe(CloseCode.UID_REPLACED);
    expect(close.reason).not.toBe('');

    await b.waitFor(() => b.events().length === 2, 'two stream events');
    await b.ping();
    expect(b.events()).toEqual([
      { type: 'stream-removed', uid: 1, streamId: 's1', reason: 'UNPUBLISHED' },
      { type: 'stream-added', uid: 1, streamId: 's3' },
    ]);
    // The old session is gone: its silence never produces a timeout for uid 1.
    await quietPeriod(peerTimeoutMs + 100);
    await b.ping();
    expect(b.events()).toHaveLength(2);
  });

  it('keeps subscriptions of peers to streams that carry over', async () => {
    const channel = uniqueChannel();
    await joined(server.url, { channel, uid: 1, streams: ['s1'] });
    const b = await observer(channel);
    expect(await b.request({ type: 'subscribe', uid: 1, streamId: 's1' })).toMatchObject({ type: 'ack' });
    const { client: newer } = await joined(server.url, { channel, uid: 1, streams: ['s1'] });
    newer.sendData('s1', 'still here');
    await b.waitFor(() => b.data.length === 1, 'data from the new session');
    expect(b.data[0]).toEqual({ uid: 1, streamId: 's1', epoch: 1, seq: 1, data: 'still here' });
  });
});
