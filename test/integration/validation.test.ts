/** The validation rules of docs/api.md (Validation rules), through the public API (engine on a worker thread). */
import { describe, expect, test } from 'vitest';
import { createClient } from 'channel-link';
import { testClient, testServer } from './harness.js';

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('argument validation', () => {
  test('channel names', async () => {
    const server = await testServer();
    const c = testClient(server.url);
    for (const bad of ['', 'x'.repeat(65), 'bad/slash', 'quote"', 'émoji', 'new\nline', 42, null]) {
      expect(await code(c.client.join(null, bad as string, 1)), JSON.stringify(bad)).toBe('INVALID_PARAMS');
    }
    expect(c.client.getConnectionState()).toBe('DISCONNECTED');
    // The message says the rule and echoes what was rejected.
    const rejected = await c.client.join(null, 'bad/slash', 1).catch((e: Error) => e.message);
    expect(rejected).toBe('channel must be 1-64 characters: letters, digits, space, a comma or one of !#$%&()+-:;<=.>?@[]^_{|}~; got "bad/slash", where "/" is not allowed');
    expect(await c.client.join(null, 'x'.repeat(65), 1).catch((e: Error) => e.message)).toContain('got 65 characters');
    const allowed = 'aZ09 !#$%&()+-:;<=.>?@[]^_{|}~,';
    expect(await c.client.join(null, allowed, 1)).toBe(1);
    await c.client.leave();
    expect(await c.client.join(null, 'x'.repeat(64), 1)).toBe(1);
  });

  test('uids', async () => {
    const server = await testServer();
    const c = testClient(server.url);
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN, '', 'u'.repeat(256), true, {}]) {
      expect(await code(c.client.join(null, 'uids', bad as number)), String(bad)).toBe('INVALID_PARAMS');
    }
    expect(await c.client.join(null, 'uids', 2 ** 32 - 1)).toBe(2 ** 32 - 1);
    await c.client.leave();
    expect(await c.client.join(null, 'uids', 's'.repeat(255))).toBe('s'.repeat(255));
    await c.client.leave();
    // 0 and null: the server assigns a uid.
    for (const assigned of [0, null]) {
      const uid = await c.client.join(null, 'uids', assigned);
      expect(typeof uid).toBe('number');
      expect(uid).toBeGreaterThan(0);
      await c.client.leave();
    }
  });

  test('tokens', async () => {
    const server = await testServer();
    const c = testClient(server.url);
    for (const bad of ['', 't'.repeat(2048), 17]) {
      expect(await code(c.client.join(bad as string, 'tokens', 1))).toBe('INVALID_PARAMS');
    }
    expect(await c.client.join('t'.repeat(2047), 'tokens', 1)).toBe(1);
    expect(await code(c.client.renewToken(''))).toBe('INVALID_PARAMS');
  });

  test('operations in the wrong state', async () => {
    const server = await testServer();
    const c = testClient(server.url);
    expect(await code(c.client.publish())).toBe('INVALID_OPERATION');
    expect(await code(c.client.subscribe(2, 'sabc'))).toBe('INVALID_OPERATION');
    await c.client.join(null, 'ops', 1);
    expect(await code(c.client.join(null, 'ops', 1))).toBe('INVALID_OPERATION');
    expect(await code(c.client.subscribe(2, 'snope'))).toBe('NOT_PUBLISHED');
    const stream = await c.client.publish();
    await c.client.unpublish(stream);
    expect(() => stream.send('late')).toThrow(expect.objectContaining({ code: 'NOT_PUBLISHED' }));
    expect(await code(c.client.unpublish(stream))).toBe('NOT_PUBLISHED');
    await c.client.destroy();
    expect(await code(c.client.join(null, 'ops', 1))).toBe('CLOSED');
  });

  test('createClient options', () => {
    for (const bad of [
      {},
      { url: 'http://x' },
      { url: 'not a url' },
      { url: 'ws://x', heartbeatIntervalMs: -1 },
      { url: 'ws://x', connectionTimeoutMs: 'soon' },
      { url: 'ws://x', reconnect: { initialDelayMs: 500, maxDelayMs: 100 } },
      { url: 'ws://x', worker: 'elsewhere' },
      { url: 'ws://x', appId: '' },
    ]) {
      expect(() => createClient(bad as never), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS' }));
    }
  });
});
