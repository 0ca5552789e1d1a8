import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelLinkServer } from '../../server/index.js';
import { RawClient, startTestServer, uniqueChannel } from './raw-client.js';

let server: ChannelLinkServer;
const clients: RawClient[] = [];

async function joined(...args: Parameters<typeof RawClient.joined>) {
  const result = await RawClient.joined(...args);
  clients.push(result.client);
  return result.client;
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

describe('data frames', () => {
  it('are forwarded only to subscribers of that stream, tagged with the sender uid', async () => {
    const channel = uniqueChannel();
    const a = await joined(server.url, { channel, uid: 1, streams: ['s1', 's2'] });
    const sub = await joined(server.url, { channel, uid: 2 });
    const other = await joined(server.url, { channel, uid: 3 });
    const s2only = await joined(server.url, { channel, uid: 'four', subscriptions: [{ uid: 1, streamId: 's2' }] });
    expect(await sub.request({ type: 'subscribe', uid: 1, streamId: 's1' })).toMatchObject({ type: 'ack' });

    a.sendData('s1', 'hello');
    a.sendData('s1', new Uint8Array([0, 1, 2, 255]));
    a.sendData('s2', 'for four');
    await sub.waitFor(() => sub.data.length === 2, 'two data frames');
    await s2only.waitFor(() => s2only.data.length === 1, 'one data frame');

    expect(sub.data[0]).toEqual({ uid: 1, streamId: 's1', epoch: 1, seq: 1, data: 'hello' });
    expect(sub.data[1]!.uid).toBe(1);
    expect(Array.from(sub.data[1]!.data as Uint8Array)).toEqual([0, 1, 2, 255]);
    expect(s2only.data).toEqual([{ uid: 1, streamId: 's2', epoch: 1, seq: 1, data: 'for four' }]);

    // The server handled every frame of `a` before the pings below; nothing reached the others.
    await a.ping();
    await other.ping();
    await sub.ping();
    expect(other.data).toEqual([]);
    expect(a.data).toEqual([]);
    expect(sub.data).toHaveLength(2);
    for (const c of [a, sub, other, s2only]) expect(c.violations).toEqual([]);
  });

  it('forwards string-uid senders, and stops after unsubscribe', async () => {
    const channel = uniqueChannel();
    const a = await joined(server.url, { channel, uid: 'alice', streams: ['s1'] });
    const b = await joined(server.url, { channel, uid: 2, subscriptions: [{ uid: 'alice', streamId: 's1' }] });
    a.sendData('s1', 'one');
    await b.waitFor(() => b.data.length === 1, 'first data frame');
    expect(b.data[0]).toEqual({ uid: 'alice', streamId: 's1', epoch: 1, seq: 1, data: 'one' });

    expect(await b.request({ type: 'unsubscribe', uid: 'alice', streamId: 's1' })).toMatchObject({ type: 'ack' });
    a.sendData('s1', 'two');
    await a.ping();
    await b.ping();
    expect(b.data).toHaveLength(1);
  });

  it('drops subscriptions to a removed stream (a republished stream needs a new subscribe)', async () => {
    const channel = uniqueChannel();
    const a = await joined(server.url, { channel, uid: 1, streams: ['s1'] });
    const b = await joined(server.url, { channel, uid: 2, subscriptions: [{ uid: 1, streamId: 's1' }] });
    expect(await a.request({ type: 'unpublish', streamId: 's1' })).toMatchObject({ type: 'ack' });
    expect(await a.request({ type: 'publish', streamId: 's1' })).toMatchObject({ type: 'ack' });
    a.sendData('s1', 'lost');
    await a.ping();
    await b.ping();
    expect(b.data).toEqual([]);

    expect(await b.request({ type: 'subscribe', uid: 1, streamId: 's1' })).toMatchObject({ type: 'ack' });
    a.sendData('s1', 'found');
    await b.waitFor(() => b.data.length === 1, 'data after resubscribe');
    expect(b.data[0]!.data).toBe('found');
  });

  it('ignores data for a stream the sender does not publish, without closing', async () => {
    const channel = uniqueChannel();
    const a = await joined(server.url, { channel, uid: 1 });
    const b = await joined(server.url, { channel, uid: 2, subscriptions: [{ uid: 1, streamId: 'ghost' }] });
    a.sendData('ghost', 'boo');
    await a.ping();
    await b.ping();
    expect(b.data).toEqual([]);
    expect(a.closeInfo).toBeNull();
  });

  it('counts as liveness: a member that only sends data keeps its streams', async () => {
    const channel = uniqueChannel();
    const a = await joined(server.url, { channel, uid: 1, streams: ['s1'] });
    const b = await joined(server.url, { channel, uid: 2, subscriptions: [{ uid: 1, streamId: 's1' }] });
    const stopB = b.heartbeat(100);
    // Keep sending data (no pings) for well over the stream and peer timeouts (300 / 600 ms).
    const timer = setInterval(() => a.sendData('s1', 'tick'), 50);
    try {
      await b.waitFor(() => b.data.length >= 20, '20 data frames', 5000);
    } finally {
      clearInterval(timer);
      stopB();
    }
    expect(b.events().filter((f) => f.type !== 'peer-online' && f.type !== 'stream-added')).toEqual([]);
  });
});
