/** What the SDK (built package, worker_threads) makes of the server's limits. */
import { describe, expect, test } from 'vitest';
import { testClient, testServer } from '../integration/harness.js';
import { quietPeriod } from '../server/raw-client.js';

describe('limits seen from the SDK', () => {
  test('join into a full channel rejects with CHANNEL_FULL, ends DISCONNECTED and does not retry', async () => {
    const server = await testServer({ maxPeersPerChannel: 2 });
    const a = testClient(server.url);
    const b = testClient(server.url);
    await a.client.join(null, 'full', 1);
    await b.client.join(null, 'full', 2);
    const c = testClient(server.url);
    await expect(c.client.join(null, 'full', 3)).rejects.toMatchObject({ code: 'CHANNEL_FULL' });
    expect(c.client.getConnectionState()).toBe('DISCONNECTED');
    await quietPeriod(400); // several reconnect delays
    expect(c.log('connection-state-change')).toEqual(['state DISCONNECTED->CONNECTING JOIN', 'state CONNECTING->DISCONNECTED SERVER_ERROR']);
    expect(a.log('peer-online')).toEqual(['peer-online 2']);
    expect(server.stats().members).toBe(2);
  });

  test('a publisher over the data rate gets exception RATE_LIMITED and stays connected', async () => {
    const server = await testServer({ dataRatePerSecond: 20, dataBurst: 20, rateLimitMaxDropped: 100_000 });
    const c = testClient(server.url);
    await c.client.join(null, 'flood', 1);
    const stream = await c.client.publish();
    for (let i = 0; i < 100; i++) stream.send(`m${i}`);
    const event = await c.waitForEvent((e) => e.type === 'exception', 3000);
    expect(event).toMatchObject({ type: 'exception', code: 'RATE_LIMITED' });
    expect(c.client.getConnectionState()).toBe('CONNECTED');
  });
});
