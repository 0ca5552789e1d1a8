/** Leave is QUIT at once, and a second join of the same uid wins (docs/behaviour.md: Leaving; Uid replacement). */
import { describe, expect, test } from 'vitest';
import { testClient, testServer } from './harness.js';
import { waitFor } from '../support/wait-for.js';

describe('membership', () => {
  test('leave: peers see QUIT at once, not after the (long) peer timeout', async () => {
    const server = await testServer({ peerTimeoutMs: 20_000, streamTimeoutMs: 20_000 });
    const one = testClient(server.url);
    const two = testClient(server.url);
    await two.client.join(null, 'quit', 2);
    await one.client.join(null, 'quit', 1);
    await one.client.publish();
    await two.waitForEvent((e) => e.type === 'stream-added');
    await one.client.leave();
    expect(one.client.getConnectionState()).toBe('DISCONNECTED');
    await two.waitForEvent((e) => e.type === 'peer-leave', 2000);
    expect(two.log('stream-removed', 'peer-leave')).toEqual(['stream-removed 1 PEER_LEFT', 'peer-leave 1 QUIT']);
    expect(server.stats().sessions).toBe(1);
    // Leaving twice, or when not joined, is harmless.
    await one.client.leave();
  });

  test('a second join of the same uid wins; the first is banned and does not reconnect', async () => {
    const server = await testServer();
    const first = testClient(server.url);
    const second = testClient(server.url);
    const observer = testClient(server.url);
    await observer.client.join(null, 'dup', 9);
    await first.client.join(null, 'dup', 1);
    const oldStream = await first.client.publish();
    await observer.waitForEvent((e) => e.type === 'stream-added');
    await second.client.join(null, 'dup', 1);

    const banned = await first.waitForEvent((e) => e.type === 'connection-state-change' && e.curState === 'DISCONNECTED');
    expect(banned).toMatchObject({ prevState: 'CONNECTED', reason: 'UID_BANNED' });
    // No reconnect: well past several backoff periods, still DISCONNECTED and the server has 2 sessions.
    await new Promise((r) => setTimeout(r, 800));
    expect(first.client.getConnectionState()).toBe('DISCONNECTED');
    expect(first.log('connection-state-change').at(-1)).toBe('state CONNECTED->DISCONNECTED UID_BANNED');
    expect(server.stats().sessions).toBe(2);
    // The observer saw no leave and no second arrival of uid 1; only the old stream going away.
    expect(observer.log('peer-online', 'peer-leave')).toEqual(['peer-online 1']);
    expect(observer.log('stream-removed')).toEqual(['stream-removed 1 UNPUBLISHED']);
    await waitFor(() => second.peers().has(9));
    // The banned client's stream went with its membership: sending on it throws NOT_PUBLISHED at once, saying why.
    expect(() => oldStream.send('too late')).toThrow(expect.objectContaining({ code: 'NOT_PUBLISHED', message: expect.stringContaining('UID_BANNED') }));
  });
});
