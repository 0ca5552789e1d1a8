/** Join against an unreachable server, reconnect give-up (§4.10), and the online signal (§4.4). */
import { createServer } from 'node:net';
import { describe, expect, test } from 'vitest';
import { ChannelLinkError } from 'channel-link';
import { proxyTo, testClient, testServer } from './harness.js';

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('connect failures', () => {
  test('join against a port nobody listens on rejects with TIMEOUT after joinTimeoutMs', async () => {
    const port = await closedPort();
    const c = testClient(`ws://127.0.0.1:${port}`, { joinTimeoutMs: 1200 });
    const started = Date.now();
    const error = await c.client.join(null, 'nobody', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelLinkError);
    expect((error as ChannelLinkError).code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
    expect(c.client.getConnectionState()).toBe('DISCONNECTED');
    expect(c.log('connection-state-change')).toEqual([
      'state DISCONNECTED->CONNECTING JOIN',
      'state CONNECTING->DISCONNECTED NETWORK_ERROR',
    ]);
  });

  test('join through a black hole (TCP up, nothing answers) rejects with TIMEOUT', async () => {
    const server = await testServer();
    const proxy = await proxyTo(server);
    proxy.blackhole('both');
    const c = testClient(proxy.url(), { joinTimeoutMs: 1200 });
    await expect(c.client.join(null, 'hole', 1)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(c.client.getConnectionState()).toBe('DISCONNECTED');
  });

  test('reconnect gives up after giveUpAfterMs: DISCONNECTED with NETWORK_ERROR', async () => {
    const server = await testServer();
    const proxy = await proxyTo(server);
    const c = testClient(proxy.url(), { reconnect: { initialDelayMs: 100, maxDelayMs: 200, giveUpAfterMs: 1500 } });
    await c.client.join(null, 'give-up', 1);
    proxy.refuse();
    proxy.drop();
    const gaveUp = await c.waitForEvent((e) => e.type === 'connection-state-change' && e.curState === 'DISCONNECTED', 5000);
    expect(gaveUp).toMatchObject({ prevState: 'CONNECTING', reason: 'NETWORK_ERROR' });
    expect(c.log('connection-state-change').slice(-2)).toEqual([
      'state CONNECTED->CONNECTING NETWORK_ERROR',
      'state CONNECTING->DISCONNECTED NETWORK_ERROR',
    ]);
  });

  test('an online signal retries at once instead of waiting out the backoff', async () => {
    const server = await testServer();
    const proxy = await proxyTo(server);
    // Backoff so long that without the signal the reconnect could not happen within the wait below.
    const c = testClient(proxy.url(), { reconnect: { initialDelayMs: 30_000, maxDelayMs: 30_000, giveUpAfterMs: 600_000 } });
    await c.client.join(null, 'online', 1);
    proxy.refuse();
    proxy.drop();
    await c.waitForEvent((e) => e.type === 'connection-state-change' && e.prevState === 'CONNECTED');
    // Let the immediate first retry fail, so the client sits in a long backoff wait.
    await expect.poll(async () => (await c.client.getStats()).reconnects, { timeout: 3000 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    proxy.restore();
    await c.client.debug.signalOnline();
    await c.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 3000);
  });
});
