/** A client that comes back within peerTimeoutMs resumes its session (docs/behaviour.md, Resuming). */
import { describe, expect, test } from 'vitest';
import { proxyTo, testClient, testServer } from './harness.js';

const isState = (cur: string, reason?: string) => (e: { type: string; curState?: string; reason?: string }) =>
  e.type === 'connection-state-change' && e.curState === cur && (reason === undefined || e.reason === reason);

describe('session resume', () => {
  test('a short outage is invisible to peers', async () => {
    const server = await testServer({ streamTimeoutMs: 4000, peerTimeoutMs: 6000 });
    const proxy = await proxyTo(server);
    const one = testClient(proxy.url());
    const two = testClient(server.url);
    await two.client.join(null, 'resume', 2);
    await one.client.join(null, 'resume', 1);
    const stream = await one.client.publish();
    await two.waitForEvent((e) => e.type === 'stream-added');
    const before = two.events.length;

    proxy.blackhole('both');
    await one.waitForEvent(isState('CONNECTING', 'TIMEOUT'), 3000);
    proxy.restore();
    await one.waitForEvent(isState('CONNECTED', 'RECONNECTED'), 5000);

    // The resumed session still publishes the stream, and UID 2 saw nothing at all.
    const remote = await two.client.subscribe(1, stream.id);
    const got: unknown[] = [];
    remote.messages$.subscribe((m) => got.push(m.data));
    stream.send('after-resume');
    await two.waitForEvent(() => got.length > 0).catch(() => {});
    await expect.poll(() => got).toEqual(['after-resume']);
    expect(two.events.slice(before)).toEqual([]);
    expect(server.stats().sessions).toBe(2);
  });

  test('back after the stream timeout but before the peer timeout: only the stream comes and goes', async () => {
    const server = await testServer({ streamTimeoutMs: 700, peerTimeoutMs: 6000 });
    const proxy = await proxyTo(server);
    const one = testClient(proxy.url());
    const two = testClient(server.url);
    await two.client.join(null, 'resume-2', 2);
    await one.client.join(null, 'resume-2', 1);
    await one.client.publish();
    await two.waitForEvent((e) => e.type === 'stream-added');

    proxy.blackhole('both');
    await two.waitForEvent((e) => e.type === 'stream-removed', 5000);
    proxy.restore();
    await one.waitForEvent(isState('CONNECTED', 'RECONNECTED'), 5000);
    await two.waitForEvent(() => two.log('stream-added').length === 2, 5000, 'stream re-added');
    expect(two.log('peer-online', 'peer-leave', 'stream-added', 'stream-removed')).toEqual([
      'peer-online 1',
      'stream-added 1',
      'stream-removed 1 NO_DATA',
      'stream-added 1',
    ]);
  });
});
