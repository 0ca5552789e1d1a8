/** Per-connection rate limits: token buckets for control and data frames, then 4429 on persistent abuse. */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/protocol.js';
import type { ChannelLinkServer, ServerOptions } from '../../server/index.js';
import { DropMeter, TokenBucket } from '../../server/rate-limit.js';
import { RawClient, quietPeriod, startTestServer, uniqueChannel } from '../server/raw-client.js';

let server: ChannelLinkServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (options: ServerOptions): Promise<ChannelLinkServer> => (server = await startTestServer(options));
const pongs = (c: RawClient) => c.frames.filter((f) => f.type === 'pong').length;
type ErrorFrame = Extract<RawClient['frames'][number], { type: 'error' }>;
const rateErrors = (c: RawClient): ErrorFrame[] => c.frames.filter((f): f is ErrorFrame => f.type === 'error' && f.code === 'RATE_LIMITED');

describe('token bucket and drop meter (virtual clock)', () => {
  it('the bucket allows a burst, then perSecond', () => {
    let now = 0;
    const bucket = new TokenBucket({ perSecond: 10, burst: 5 }, () => now);
    expect(Array.from({ length: 7 }, () => bucket.take())).toEqual([true, true, true, true, true, false, false]);
    now += 100; // one token back
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // refills to the burst, not beyond
    expect(Array.from({ length: 6 }, () => bucket.take()).filter(Boolean)).toHaveLength(5);
  });

  it('the meter notifies at most once a second and calls abuse past maxDropped within 10 s', () => {
    let now = 0;
    const meter = new DropMeter(3, () => now);
    expect([meter.record(), meter.record(), meter.record()]).toEqual(['notify', 'quiet', 'quiet']);
    now += 1000;
    expect(meter.record()).toBe('abuse');
    now += 10_000; // a new window
    expect(meter.record()).toBe('notify');
  });
});

describe('control frame rate', () => {
  it('a burst over controlBurst: excess frames dropped, one error RATE_LIMITED, the socket stays; later frames pass again', async () => {
    const s = await start({ controlRatePerSecond: 5, controlBurst: 20, rateLimitMaxDropped: 1000 });
    const { client } = await RawClient.joined(s.url, { channel: uniqueChannel('rate'), uid: 1 }); // the join took one token
    for (let i = 0; i < 40; i++) client.send({ type: 'ping', ts: i });
    await client.waitFor(() => rateErrors(client).length === 1, 'the RATE_LIMITED error');
    await quietPeriod(100);
    expect(pongs(client)).toBeGreaterThanOrEqual(19);
    expect(pongs(client)).toBeLessThanOrEqual(21);
    expect(rateErrors(client)).toHaveLength(1);
    expect(rateErrors(client)[0]!.id).toBeUndefined();
    expect(client.closeInfo).toBeNull();
    expect(s.stats().counters.framesDropped).toBeGreaterThanOrEqual(19);
    // The bucket refills (5/s): pings go through again.
    const before = pongs(client);
    const stop = client.heartbeat(100);
    await client.waitFor(() => pongs(client) > before, 'a pong once the bucket has refilled');
    stop();
  });

  it('a client that keeps flooding is disconnected: error RATE_LIMITED, close 4429; a neighbour is untouched', async () => {
    const s = await start({ controlRatePerSecond: 5, controlBurst: 10, rateLimitMaxDropped: 50 });
    const channel = uniqueChannel('rate');
    const { client: neighbour } = await RawClient.joined(s.url, { channel, uid: 2 });
    const { client } = await RawClient.joined(s.url, { channel, uid: 1 });
    for (let i = 0; i < 100; i++) client.send({ type: 'ping', ts: i });
    const close = await client.waitClosed();
    expect(close.code).toBe(CloseCode.RATE_LIMITED);
    expect(close.reason).toContain('rate limit');
    expect(rateErrors(client).at(-1)!.message).toContain('persistently');
    expect(s.stats().counters.rateLimitCloses).toBe(1);
    await neighbour.ping();
    expect(neighbour.closeInfo).toBeNull();
  });

  it('a client within the rate is never limited', async () => {
    const s = await start({ controlRatePerSecond: 50, controlBurst: 5, rateLimitMaxDropped: 0 });
    const { client } = await RawClient.joined(s.url, { channel: uniqueChannel('rate'), uid: 1 });
    // 20 pings paced at one per 25 ms (40/s, under the 50/s rate), with a bucket of only 5.
    for (let i = 0; i < 20; i++) {
      await client.ping();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(rateErrors(client)).toEqual([]);
    expect(client.closeInfo).toBeNull();
  });
});

describe('data frame rate', () => {
  it('has its own bucket: data over dataBurst is dropped (sender told RATE_LIMITED), control frames still pass', async () => {
    const s = await start({ dataRatePerSecond: 10, dataBurst: 50, controlRatePerSecond: 100, controlBurst: 100, rateLimitMaxDropped: 1000 });
    const channel = uniqueChannel('rate');
    const { client: pub } = await RawClient.joined(s.url, { channel, uid: 1, streams: ['s1'] });
    const { client: sub } = await RawClient.joined(s.url, { channel, uid: 2, subscriptions: [{ uid: 1, streamId: 's1' }] });
    for (let i = 0; i < 200; i++) pub.sendData('s1', `m${i}`);
    await pub.waitFor(() => rateErrors(pub).length === 1, 'RATE_LIMITED');
    await pub.ping(); // control frames are not limited by the data bucket
    await sub.waitFor(() => sub.data.length >= 50, '50 messages');
    await sub.ping();
    expect(sub.data.length).toBeLessThanOrEqual(52);
    expect(sub.data.slice(0, 50).map((d) => d.data)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
  });

  it('a data flood is disconnected with 4429', async () => {
    const s = await start({ dataRatePerSecond: 10, dataBurst: 10, rateLimitMaxDropped: 100 });
    const { client: pub } = await RawClient.joined(s.url, { channel: uniqueChannel('rate'), uid: 1, streams: ['s1'] });
    for (let i = 0; i < 500; i++) pub.sendData('s1', 'x');
    expect((await pub.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
  });
});
