/**
 * docs/behaviour.md, Stream data across an outage, on real sockets through the fault proxy, at 100 msg/s: a 1 s outage of the subscriber
 * or of the publisher loses, doubles and reorders nothing; an outage longer than the continuity
 * window gives exactly one stream-gap with the range lost; the server's buffers stay bounded.
 */
import { describe, expect, test } from 'vitest';
import type { ChannelEvent } from 'channel-link';
import { waitFor } from '../support/wait-for.js';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { CLUSTER, onCleanup, proxyTo, testClient, testServer, type TestClient } from './harness.js';

/** What the cluster's Redis keeps of every stream (entries, and bytes of their frames). */
async function redisBuffered(url: string, prefix: string): Promise<{ messages: number; bytes: number }> {
  const redis = new Redis(url);
  try {
    let messages = 0;
    let bytes = 0;
    for (const key of await redis.keys(`${prefix}d:*`)) {
      if ((await redis.type(key)) !== 'stream') continue;
      for (const [, fields] of await redis.xrangeBuffer(key, '-', '+')) {
        messages++;
        bytes += fields[5]!.length;
      }
    }
    return { messages, bytes };
  } finally {
    redis.disconnect();
  }
}

const RATE_MS = 10; // 100 msg/s

/** A publisher sending n = 1, 2, 3... every RATE_MS, until stopped; `sent` is the last n. */
async function ticker(pub: TestClient) {
  const stream = await pub.client.publish();
  const state = { stream, sent: 0, timer: undefined as NodeJS.Timeout | undefined };
  state.timer = setInterval(() => stream.send(String(++state.sent)), RATE_MS);
  onCleanup(() => clearInterval(state.timer));
  return state;
}

/** What a subscriber got, in order, as numbers. */
async function receiver(sub: TestClient, uid: number, streamId: string) {
  await sub.waitForEvent((e) => e.type === 'stream-added' && e.uid === uid);
  const remote = await sub.client.subscribe(uid, streamId);
  const got: number[] = [];
  remote.messages$.subscribe((m) => got.push(Number(m.data)));
  return got;
}

const gaps = (c: TestClient) => c.events.filter((e): e is Extract<ChannelEvent, { type: 'stream-gap' }> => e.type === 'stream-gap');
const lastConnected = (c: TestClient) => c.events.filter((e) => e.type === 'connected').at(-1);
/** Messages from..to exactly once each and in order (a subscriber gets what is sent once it has subscribed). */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** What a subscriber got up to `until`. */
const upTo = (got: number[], until: number) => got.slice(0, got.indexOf(until) + 1);

describe('message continuity across a resume', () => {
  test('subscriber outage of 1 s (forced reconnect, resumed): 0 lost, 0 duplicated, 0 reordered', async () => {
    const server = await testServer({ peerTimeoutMs: 4000, streamTimeoutMs: 4000 });
    const proxy = await proxyTo(server);
    const pub = testClient(server.url);
    const sub = testClient(proxy.url());
    await pub.client.join(null, 'cont-sub', 1);
    await sub.client.join(null, 'cont-sub', 2);
    const tick = await ticker(pub);
    const got = await receiver(sub, 1, tick.stream.id);
    await waitFor(() => got.length >= 30, { message: 'messages flowing' });

    proxy.blackhole('both');
    const cutAt = tick.sent;
    await waitFor(() => tick.sent >= cutAt + 100, { message: '1 s of messages during the outage' });
    proxy.restore(); // the damaged link is dropped: the subscriber reconnects and resumes
    await sub.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000);
    const until = tick.sent + 30;
    await waitFor(() => got.includes(until), { timeoutMs: 5000, message: 'messages after the outage' });
    clearInterval(tick.timer);

    expect(upTo(got, until)).toEqual(range(got[0]!, until));
    expect(gaps(sub)).toEqual([]);
    expect(lastConnected(sub)).toEqual({ type: 'connected', resumed: true, recovered: true });
  });

  test('publisher outage of 1 s (sends buffered in its worker, flushed on resume): 0 lost, 0 duplicated, 0 reordered', async () => {
    const server = await testServer({ peerTimeoutMs: 4000, streamTimeoutMs: 4000 });
    const proxy = await proxyTo(server);
    const pub = testClient(proxy.url());
    const sub = testClient(server.url);
    await pub.client.join(null, 'cont-pub', 1);
    await sub.client.join(null, 'cont-pub', 2);
    const tick = await ticker(pub);
    const got = await receiver(sub, 1, tick.stream.id);
    await waitFor(() => got.length >= 30, { message: 'messages flowing' });

    proxy.blackhole('both');
    const cutAt = tick.sent;
    await waitFor(() => tick.sent >= cutAt + 100, { message: '1 s of sends during the outage' });
    proxy.restore();
    await pub.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000);
    const until = tick.sent + 30;
    await waitFor(() => got.includes(until), { timeoutMs: 5000, message: 'messages after the outage' });
    clearInterval(tick.timer);

    expect(upTo(got, until)).toEqual(range(got[0]!, until));
    expect(gaps(sub)).toEqual([]);
    expect(gaps(pub)).toEqual([]);
    expect(lastConnected(pub)).toEqual({ type: 'connected', resumed: true, recovered: true });
    // Peers saw nothing of the outage.
    expect(sub.log('peer-leave', 'stream-removed')).toEqual([]);
  });

  test('the publisher away longer than its stream timeout: the stream goes and comes back, and still nothing is lost', async () => {
    const server = await testServer({ peerTimeoutMs: 4000, streamTimeoutMs: 500 });
    const proxy = await proxyTo(server);
    const pub = testClient(proxy.url());
    const sub = testClient(server.url);
    await pub.client.join(null, 'cont-back', 1);
    await sub.client.join(null, 'cont-back', 2);
    const tick = await ticker(pub);
    const got = await receiver(sub, 1, tick.stream.id);
    await waitFor(() => got.length >= 30, { message: 'messages flowing' });

    proxy.blackhole('both');
    await sub.waitForEvent((e) => e.type === 'stream-removed' && e.reason === 'NO_DATA', 3000, 'the stream times out');
    proxy.restore();
    await sub.waitForEvent(() => sub.log('stream-added').length === 2, 5000, 'the stream is back');
    const until = tick.sent + 30;
    await waitFor(() => got.includes(until), { timeoutMs: 5000, message: 'messages after the outage' });
    clearInterval(tick.timer);
    // The resubscription named the last message it had: the server replayed what came after.
    expect(upTo(got, until)).toEqual(range(got[0]!, until));
    expect(gaps(sub)).toEqual([]);
  });

  test('an outage longer than the window: exactly one stream-gap, with the range lost; everything else once, in order', async () => {
    // A 600 ms continuity window; the session itself survives (peer timeout 6 s).
    const server = await testServer({ peerTimeoutMs: 6000, streamTimeoutMs: 6000, streamBufferMs: 600 });
    const proxy = await proxyTo(server);
    const pub = testClient(server.url);
    const sub = testClient(proxy.url());
    await pub.client.join(null, 'cont-gap', 1);
    await sub.client.join(null, 'cont-gap', 2);
    const tick = await ticker(pub);
    const got = await receiver(sub, 1, tick.stream.id);
    await waitFor(() => got.length >= 30, { message: 'messages flowing' });

    proxy.blackhole('both');
    const cutAt = tick.sent;
    await waitFor(() => tick.sent >= cutAt + 200, { message: '2 s of messages during the outage' });
    proxy.restore();
    await sub.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000);
    const until = tick.sent + 30;
    await waitFor(() => got.includes(until), { timeoutMs: 5000, message: 'messages after the outage' });
    clearInterval(tick.timer);

    const seen = upTo(got, until);
    expect(gaps(sub)).toHaveLength(1);
    const [gap] = gaps(sub);
    // The gap is exactly what is missing: the last message before it, then the first after it.
    const before = seen.indexOf(gap!.from - 1);
    expect(before).toBeGreaterThanOrEqual(0);
    expect(seen[before + 1]).toBe(gap!.to + 1);
    expect(gap).toMatchObject({ uid: 1, streamId: tick.stream.id });
    expect(gap!.to).toBeGreaterThanOrEqual(gap!.from);
    const expected = range(seen[0]!, until).filter((n) => n < gap!.from || n > gap!.to);
    expect(seen).toEqual(expected);
    expect(lastConnected(sub)).toMatchObject({ resumed: true, recovered: false });
  });
});

describe('server buffers', () => {
  test('stay bounded with a publisher at 1,000 msg/s and no subscriber', async () => {
    const redisPrefix = `bounded${Date.now()}:`; // in the cluster run, this test's own keys
    const server = await testServer({ peerTimeoutMs: 20_000, streamTimeoutMs: 20_000, streamBufferMessages: 500, streamBufferBytes: 16 * 1024, redisPrefix });
    const pub = testClient(server.url);
    await pub.client.join(null, 'bounded', 1);
    const stream = await pub.client.publish();
    const payload = 'x'.repeat(40);
    let sent = 0;
    const peak = { messages: 0, bytes: 0 };
    const sample = async () => {
      const buffered = CLUSTER ? await redisBuffered(inject('redisUrl'), redisPrefix) : server.stats().buffered!;
      peak.messages = Math.max(peak.messages, buffered.messages);
      peak.bytes = Math.max(peak.bytes, buffered.bytes);
    };
    const timer = setInterval(() => {
      for (let i = 0; i < 10; i++, sent++) stream.send(payload);
    }, 10);
    onCleanup(() => clearInterval(timer));
    await waitFor(
      async () => {
        await sample();
        return sent >= 3000;
      },
      { timeoutMs: 10_000, intervalMs: 50, message: '3 s at 1,000 msg/s' },
    );
    clearInterval(timer);
    await waitFor(async () => (await sample(), peak.messages > 100), { message: 'messages kept' });
    expect(peak.messages).toBeLessThanOrEqual(500);
    expect(peak.bytes).toBeLessThanOrEqual(16 * 1024);
  });
});
