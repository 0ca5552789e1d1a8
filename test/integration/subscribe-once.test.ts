/**
 * No duplicate messages with the naive subscribe pattern (docs/api.md, Streams): the README's
 * `subscribe` example, run as written, calls subscribe() and listens to `messages$` in every
 * `stream-added`. It listens on a subscriber while a publisher, behind a fault proxy, drops out
 * and comes back: for longer than peerTimeoutMs (peer-leave, then peer-online and stream-added
 * again) and for less (only stream-removed NO_DATA and stream-added); and while the subscriber
 * itself drops out, briefly (a resume) and for longer than peerTimeoutMs (a new session). Every
 * message must arrive at most once, in order, and every message sent while both are connected
 * exactly once.
 */
import { describe, expect, test } from 'vitest';
import type { ChannelEvent, LocalStream } from 'channel-link';
import { waitFor } from '../support/wait-for.js';
import { runExample } from '../support/docs.js';
import { onCleanup, proxyTo, testClient, testServer, type TestClient } from './harness.js';

/** The naive pattern on `sub`; returns the data its `console.log(uid, data)` printed, in order. */
async function followDocs(sub: TestClient): Promise<{ received: string[]; warnings: string[] }> {
  const received: string[] = [];
  const warnings: string[] = [];
  const console = {
    log: (_uid: unknown, data: unknown) => received.push(String(data)),
    warn: (...args: unknown[]) => warnings.push(args.join(' ')),
  };
  await runExample('subscribe', { client: sub.client, console });
  return { received, warnings };
}

/** Sends 0, 1, 2, ... every 10 ms while the publisher is CONNECTED; `next` is the next number. */
function ticker(pub: TestClient, stream: LocalStream) {
  const state = { next: 0 };
  const timer = setInterval(() => {
    if (pub.client.getConnectionState() === 'CONNECTED') stream.send(String(state.next++));
  }, 10);
  onCleanup(() => clearInterval(timer));
  return state;
}

/** Everything sent from `from` on (for `count` messages) arrives, each exactly once. */
async function expectWindowOnce(received: string[], from: number, count: number): Promise<void> {
  const last = String(from + count - 1);
  await waitFor(() => received.includes(last), { timeoutMs: 5000, message: `message ${last}` });
  for (let n = from; n < from + count; n++) expect(received.filter((r) => r === String(n)), `message ${n}`).toHaveLength(1);
}

function expectNoDuplicates(received: string[]): void {
  const numbers = received.map(Number);
  expect(new Set(numbers).size, `duplicates in ${numbers.join(',')}`).toBe(numbers.length);
  expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
}

const countOf = (c: TestClient, predicate: (e: ChannelEvent) => boolean) => c.events.filter(predicate).length;

async function setUp(serverOptions: { peerTimeoutMs: number; streamTimeoutMs: number }, proxied: 'publisher' | 'subscriber' = 'publisher') {
  const server = await testServer(serverOptions);
  const proxy = await proxyTo(server);
  const sub = testClient(proxied === 'subscriber' ? proxy.url() : server.url);
  const pub = testClient(proxied === 'publisher' ? proxy.url() : server.url);
  const { received, warnings } = await followDocs(sub);
  await sub.client.join(null, 'no-dup', 2);
  await pub.client.join(null, 'no-dup', 1);
  const stream = await pub.client.publish();
  const sent = ticker(pub, stream);
  // The documented handler subscribed; messages flow.
  await waitFor(() => received.length > 5, { message: 'first messages' });
  await expectWindowOnce(received, sent.next, 20);
  const added = (e: ChannelEvent) => e.type === 'stream-added' && e.streamId === stream.id;
  return { proxy, sub, pub, received, warnings, sent, added };
}

describe('the naive subscribe pattern (subscribe and listen in every stream-added) delivers each message once', () => {
  test('across a publisher outage longer than peerTimeoutMs (peer-leave, then peer-online and stream-added again)', async () => {
    const { proxy, sub, received, warnings, sent, added } = await setUp({ peerTimeoutMs: 1500, streamTimeoutMs: 800 });
    proxy.blackhole('both');
    await sub.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 1, 8000, 'peer-leave of the publisher');
    expect(sub.log('peer-leave')).toEqual(['peer-leave 1 SERVER_TIMEOUT']);
    proxy.restore();
    await waitFor(() => countOf(sub, added) === 2, { timeoutMs: 8000, message: 'stream-added again' });
    // The subscription comes back by itself (and the documented handler re-subscribes): fresh messages, once each.
    const resumedAt = sent.next;
    await expectWindowOnce(received, resumedAt + 5, 30);
    expectNoDuplicates(received);
    expect(warnings).toEqual([]);

    // And again: any number of remove/add cycles.
    proxy.blackhole('both');
    await waitFor(() => countOf(sub, (e) => e.type === 'peer-leave') === 2, { timeoutMs: 8000, message: 'second peer-leave' });
    proxy.restore();
    await waitFor(() => countOf(sub, added) === 3, { timeoutMs: 8000, message: 'stream-added a third time' });
    await expectWindowOnce(received, sent.next + 5, 30);
    expectNoDuplicates(received);
  });

  test('across a short publisher outage (stream-removed NO_DATA and stream-added, no peer-leave)', async () => {
    const { proxy, sub, received, warnings, sent, added } = await setUp({ peerTimeoutMs: 4000, streamTimeoutMs: 800 });
    proxy.blackhole('both');
    await sub.waitForEvent((e) => e.type === 'stream-removed' && e.uid === 1, 5000, 'stream-removed NO_DATA');
    proxy.restore();
    await waitFor(() => countOf(sub, added) === 2, { timeoutMs: 8000, message: 'stream-added again' });
    await expectWindowOnce(received, sent.next + 5, 30);
    expectNoDuplicates(received);
    expect(sub.log('stream-removed', 'peer-leave')).toEqual(['stream-removed 1 NO_DATA']);
    expect(warnings).toEqual([]);
  });

  test('across a short subscriber outage (a resume: peers see nothing)', async () => {
    const { proxy, sub, received, warnings, sent, added } = await setUp({ peerTimeoutMs: 4000, streamTimeoutMs: 4000 }, 'subscriber');
    const reconnects = (await sub.client.getStats()).reconnects;
    proxy.blackhole('both');
    await waitFor(() => sub.client.getConnectionState() === 'CONNECTING', { timeoutMs: 8000, message: 'the subscriber notices the loss' });
    proxy.restore();
    await waitFor(() => sub.client.getConnectionState() === 'CONNECTED', { timeoutMs: 8000, message: 'the subscriber is back' });
    expect((await sub.client.getStats()).reconnects).toBe(reconnects + 1);
    await expectWindowOnce(received, sent.next + 5, 30);
    expectNoDuplicates(received);
    expect(countOf(sub, added)).toBe(1);
    expect(warnings).toEqual([]);
  });

  test('across a long subscriber outage (longer than peerTimeoutMs: a new session)', async () => {
    const { proxy, sub, pub, received, warnings, sent } = await setUp({ peerTimeoutMs: 1500, streamTimeoutMs: 800 }, 'subscriber');
    proxy.blackhole('both');
    await pub.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 2, 8000, 'the publisher sees the subscriber time out');
    proxy.restore();
    await waitFor(() => sub.client.getConnectionState() === 'CONNECTED', { timeoutMs: 8000, message: 'the subscriber is back' });
    await expectWindowOnce(received, sent.next + 5, 30);
    expectNoDuplicates(received);
    expect(warnings).toEqual([]);
  });

  test('subscribe() resolves to the same RemoteStream while subscribed, and a new one after unsubscribe()', async () => {
    const server = await testServer();
    const sub = testClient(server.url);
    const pub = testClient(server.url);
    await sub.client.join(null, 'same-remote', 2);
    await pub.client.join(null, 'same-remote', 1);
    const stream = await pub.client.publish();
    await sub.waitForEvent((e) => e.type === 'stream-added');
    const [a, b] = await Promise.all([sub.client.subscribe(1, stream.id), sub.client.subscribe(1, stream.id)]);
    expect(b).toBe(a);
    expect(await sub.client.subscribe(1, stream.id)).toBe(a);
    let completed = false;
    a.messages$.subscribe({ complete: () => (completed = true) });
    await sub.client.unsubscribe(a);
    expect(completed).toBe(true);
    const c = await sub.client.subscribe(1, stream.id);
    expect(c).not.toBe(a);
    // Unsubscribing the old, ended one leaves the new subscription alone.
    await sub.client.unsubscribe(a);
    const got: unknown[] = [];
    c.messages$.subscribe(({ data }) => got.push(data));
    stream.send('still here');
    await waitFor(() => got.length === 1);
    expect(got).toEqual(['still here']);
  });
});
