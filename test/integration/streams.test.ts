/** Data streams end to end: only subscribers receive, text and binary both, unsubscribe stops delivery. */
import { describe, expect, test } from 'vitest';
import type { StreamMessage } from 'channel-link';
import { testClient, testServer } from './harness.js';

describe('data streams', () => {
  test('messages reach subscribers only, in order, text and binary', async () => {
    const server = await testServer();
    const pub = testClient(server.url);
    const sub = testClient(server.url);
    const bystander = testClient(server.url);
    await pub.client.join(null, 'data', 1);
    await sub.client.join(null, 'data', 2);
    await bystander.client.join(null, 'data', 3);
    const stream = await pub.client.publish();
    await sub.waitForEvent((e) => e.type === 'stream-added');
    const remote = await sub.client.subscribe(1, stream.id);
    expect(remote).toMatchObject({ uid: 1, id: stream.id });
    const got: StreamMessage[] = [];
    remote.messages$.subscribe((m) => got.push(m));

    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    for (let i = 0; i < 50; i++) stream.send(`tick ${i}`);
    stream.send(bytes);
    stream.send(new TextEncoder().encode('héllo').buffer);
    await expect.poll(() => got.length).toBe(52);
    expect(got.slice(0, 50).map((m) => m.data)).toEqual(Array.from({ length: 50 }, (_, i) => `tick ${i}`));
    expect(got[50]!.data).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(got[50]!.data as ArrayBuffer)]).toEqual([0, 1, 2, 254, 255]);
    expect(new TextDecoder().decode(got[51]!.data as ArrayBuffer)).toBe('héllo');
    expect(got.every((m) => m.uid === 1 && m.streamId === stream.id)).toBe(true);
    // send() transfers the buffer: the caller's copy is detached, not silently duplicated.
    expect(bytes.byteLength).toBe(0);

    // Unsubscribe completes messages$ and stops delivery.
    let completed = false;
    remote.messages$.subscribe({ complete: () => (completed = true) });
    await sub.client.unsubscribe(remote);
    expect(completed).toBe(true);
    // Another subscriber still gets data; once it has the marker, the unsubscribed one got none of it.
    const other = testClient(server.url);
    await other.client.join(null, 'data', 4);
    const otherRemote = await other.client.subscribe(1, stream.id);
    const otherGot: unknown[] = [];
    otherRemote.messages$.subscribe((m) => otherGot.push(m.data));
    stream.send('after');
    stream.send('marker');
    await expect.poll(() => otherGot).toEqual(['after', 'marker']);
    expect(got).toHaveLength(52);
    expect(bystander.events.filter((e) => e.type === 'exception')).toEqual([]);
  });

  test('a subscription survives the publisher timing out and coming back', async () => {
    const server = await testServer();
    const { proxyTo } = await import('./harness.js');
    const proxy = await proxyTo(server);
    const pub = testClient(proxy.url());
    const sub = testClient(server.url);
    await pub.client.join(null, 'data-2', 1);
    await sub.client.join(null, 'data-2', 2);
    const stream = await pub.client.publish();
    await sub.waitForEvent((e) => e.type === 'stream-added');
    const remote = await sub.client.subscribe(1, stream.id);
    const got: unknown[] = [];
    remote.messages$.subscribe((m) => got.push(m.data));

    proxy.blackhole('both');
    await sub.waitForEvent((e) => e.type === 'peer-leave', 5000);
    proxy.restore();
    await sub.waitForEvent(() => sub.log('stream-added').length === 2, 5000, 'stream back');
    // The subscriber restores its subscription by itself once the stream is back.
    await expect
      .poll(
        () => {
          stream.send('back');
          return got.includes('back');
        },
        { timeout: 5000, interval: 100 },
      )
      .toBe(true);
  });
});

describe('send() on a stream that is no longer published', () => {
  const thrown = (run: () => void) => {
    try {
      run();
    } catch (error) {
      return error as { code: string; message: string };
    }
    return null;
  };

  test('throws NOT_PUBLISHED at once, after unpublish() and after leave() alike, saying which; CLOSED after destroy()', async () => {
    const server = await testServer();
    const pub = testClient(server.url);
    await pub.client.join(null, 'ended', 1);
    const unpublished = await pub.client.publish();
    const left = await pub.client.publish();
    await pub.client.unpublish(unpublished);
    expect(thrown(() => unpublished.send('x'))).toMatchObject({ code: 'NOT_PUBLISHED', message: expect.stringContaining('unpublished') });
    left.send('still published');
    await pub.client.leave();
    expect(thrown(() => left.send('x'))).toMatchObject({ code: 'NOT_PUBLISHED', message: expect.stringContaining('left the channel (LEAVE)') });
    // Nothing comes later either: the failure was the throw.
    await pub.client.getStats();
    expect(pub.events.filter((e) => e.type === 'exception')).toEqual([]);
    await pub.client.destroy();
    expect(thrown(() => left.send('x'))).toMatchObject({ code: 'CLOSED' });
  });
});
