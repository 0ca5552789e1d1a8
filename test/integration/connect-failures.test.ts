/**
 * Join against an unreachable server, reconnect give-up, and the online signal (docs/behaviour.md:
 * A join that cannot reach the server; Giving up; Losing the network and coming back).
 */
import { createServer as createHttpServer } from 'node:http';
import { describe, expect, test } from 'vitest';
import { ChannelLinkError } from 'channel-link';
import { freePort } from '../support/free-port.js';
import { onCleanup, proxyTo, testClient, testServer } from './harness.js';

describe('connect failures', () => {
  // docs/behaviour.md, A join that cannot reach the server: the error code and the state-change reason agree, and the
  // error names the last failure, as Node's `ws` reports it.
  test('join against a port nobody listens on: TIMEOUT after joinTimeoutMs, naming the refusal; each attempt reported', async () => {
    const port = await freePort();
    const c = testClient(`ws://127.0.0.1:${port}`, { joinTimeoutMs: 1200 });
    const started = Date.now();
    const error = await c.client.join(null, 'nobody', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelLinkError);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining(`connection refused (connect ECONNREFUSED 127.0.0.1:${port})`) });
    expect((error as ChannelLinkError).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
    expect(c.client.getConnectionState()).toBe('DISCONNECTED');
    expect(c.log('connection-state-change')).toEqual([
      'state DISCONNECTED->CONNECTING JOIN',
      'state CONNECTING->DISCONNECTED TIMEOUT',
    ]);
    const attempts = c.events.filter((e) => e.type === 'connection-attempt-failed');
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, url: `ws://127.0.0.1:${port}`, code: 'NETWORK_ERROR', message: expect.stringContaining('ECONNREFUSED') });
  });

  test('join through a black hole (TCP up, nothing answers): TIMEOUT for both the error and the state reason', async () => {
    const server = await testServer();
    const proxy = await proxyTo(server);
    proxy.blackhole('both');
    const c = testClient(proxy.url(), { joinTimeoutMs: 1200 });
    await expect(c.client.join(null, 'hole', 1)).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('no answer within 500 ms') });
    expect(c.client.getConnectionState()).toBe('DISCONNECTED');
    expect(c.log('connection-state-change').at(-1)).toBe('state CONNECTING->DISCONNECTED TIMEOUT');
  });

  test('an upgrade refused with an HTTP status: named with its status', async () => {
    const http = createHttpServer((_req, res) => res.writeHead(404).end());
    http.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => http.close(resolve)));
    const c = testClient(`ws://127.0.0.1:${(http.address() as { port: number }).port}`, { joinTimeoutMs: 800 });
    await expect(c.client.join(null, 'status', 1)).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('the server answered the WebSocket upgrade with HTTP 503'),
    });
    expect(c.log('connection-state-change').at(-1)).toBe('state CONNECTING->DISCONNECTED TIMEOUT');
  });

  test('a TLS failure (wss:// to a plain server) and a DNS failure are named too', async () => {
    const server = await testServer();
    const tls = testClient(server.url.replace('ws://', 'wss://'), { joinTimeoutMs: 800 });
    await expect(tls.client.join(null, 'tls', 1)).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('TLS failure') });
    const dns = testClient('ws://no-such-host.invalid:8080', { joinTimeoutMs: 1500 });
    const error = (await dns.client.join(null, 'dns', 1).catch((e: unknown) => e)) as ChannelLinkError;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/DNS lookup failed \(getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid\)/);
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
