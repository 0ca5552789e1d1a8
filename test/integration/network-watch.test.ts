/**
 * In Node, one network-change watcher per process (docs/api.md, In Node), not one poller per client.
 * The clients of this process (inline engines on this thread, and engines on worker_threads) all
 * listen to the one watcher of the main thread, and its signal makes every reconnecting client
 * retry at once.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createClient } from 'channel-link';
import { processNetworkWatch } from '../../dist/src/network-watch-node.js';
import { onCleanup, proxyTo, testClient, testServer } from './harness.js';

const POLL_MS = 2000;

describe('one network watcher per process', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test('30 clients (20 inline, 10 on worker_threads) start at most one poller', async () => {
    const server = await testServer();
    const intervals = vi.spyOn(globalThis, 'setInterval');
    const clients = [
      ...Array.from({ length: 20 }, () => createClient({ url: server.url, worker: 'inline' })),
      ...Array.from({ length: 10 }, () => createClient({ url: server.url })),
    ];
    for (const client of clients) onCleanup(() => client.destroy());
    await Promise.all(clients.map((client) => client.getStats())); // every engine is up
    const pollers = intervals.mock.calls.filter(([, ms]) => ms === POLL_MS).length;
    expect(pollers, 'pollers started by 30 clients').toBeLessThanOrEqual(1);
    // That they all listen to it is what the next test shows (its signal reaches each one).
    await Promise.all(clients.map((client) => client.destroy()));
  });

  test("the watcher's signal makes every reconnecting client retry at once, inline and on worker_threads", async () => {
    const server = await testServer();
    const proxy = await proxyTo(server);
    // A backoff so long that, without the signal, none could reconnect within this test.
    const slow = { reconnect: { initialDelayMs: 30_000, maxDelayMs: 30_000, giveUpAfterMs: 600_000 } };
    const clients = [
      ...Array.from({ length: 3 }, () => testClient(proxy.url(), slow)),
      ...Array.from({ length: 2 }, () => testClient(proxy.url(), { ...slow, worker: 'inline' })),
    ];
    await Promise.all(clients.map((c, i) => c.client.join(null, 'watch', i + 1)));
    proxy.refuse();
    proxy.drop();
    // Each one lost its link, and its immediate retry failed: now it waits out a 30 s backoff.
    await Promise.all(clients.map((c) => c.waitForEvent((e) => e.type === 'connection-attempt-failed', 5000, 'a failed retry')));
    proxy.restore();
    processNetworkWatch.notifyOnline();
    await Promise.all(clients.map((c) => c.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000)));
  });
});
