/** The server dies (SIGKILL) and comes back on the same port: clients reconnect and rebuild the channel. */
import { describe, expect, test } from 'vitest';
import { startServerProcess } from '../support/server-process.js';
import { onCleanup, testClient, testServer, uidsOf } from './harness.js';

describe('server restart', () => {
  test('killed and restarted on the same port', async () => {
    const first = await startServerProcess({ args: ['--peer-timeout-ms', '1500', '--stream-timeout-ms', '800'] });
    onCleanup(() => first.stop());
    const one = testClient(first.url);
    const two = testClient(first.url);
    await one.client.join(null, 'restart', 1);
    await two.client.join(null, 'restart', 2);
    const stream = await one.client.publish();
    await two.waitForEvent((e) => e.type === 'stream-added');

    first.kill('SIGKILL');
    await one.waitForEvent((e) => e.type === 'connection-state-change' && e.prevState === 'CONNECTED', 3000);
    await two.waitForEvent((e) => e.type === 'connection-state-change' && e.prevState === 'CONNECTED', 3000);

    const second = await startServerProcess({ args: ['--port', String(first.port), '--peer-timeout-ms', '1500'] });
    onCleanup(() => second.stop());
    expect(second.port).toBe(first.port);
    for (const c of [one, two]) {
      await c.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 8000);
    }
    await two.waitForEvent(() => two.peers().get(1)?.streams.has(stream.id) === true, 5000, 'UID 1 and its stream back at UID 2');
    await one.waitForEvent(() => two.peers().has(1) && one.peers().has(2), 5000, 'both see each other');
    expect(uidsOf(one.peers())).toEqual(['2']);
    expect(uidsOf(two.peers())).toEqual(['1']);
    expect(one.client.getConnectionState()).toBe('CONNECTED');
  });

  test('graceful close: clients are told, reconnect at once to the next server on that port', async () => {
    const server = await testServer();
    const url = server.url;
    const port = Number(new URL(url).port);
    const one = testClient(url);
    await one.client.join(null, 'graceful', 1);
    await server.close();
    const drop = await one.waitForEvent((e) => e.type === 'connection-state-change' && e.prevState === 'CONNECTED');
    expect(drop).toMatchObject({ curState: 'CONNECTING', reason: 'NETWORK_ERROR' });
    await testServer({ port });
    await one.waitForEvent((e) => e.type === 'connection-state-change' && e.reason === 'RECONNECTED', 5000);
  });
});
