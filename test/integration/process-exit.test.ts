/**
 * A Node process is not held open (docs/api.md, In Node) by a client that holds no connection (never
 * joined, join failed, left), as an idle socket would not hold it; a joined or reconnecting client
 * keeps it alive; destroy() stays the clean end (lifecycle.test.ts). Each case is an app in a
 * child process (engine on worker_threads, the default) that must end by itself, or, to show it is
 * kept alive, is still there when an unref'd timer (which cannot keep it alive) fires.
 */
import { describe, expect, test } from 'vitest';
import { freePort } from '../support/free-port.js';
import { runModule } from '../support/run-module.js';
import { proxyTo, testServer } from './harness.js';

/** An app: `body` runs with `client` created for `url`; nothing destroys it. */
const app = (url: string, body: string, options = '') => `
  import { createClient } from 'channel-link';
  const client = createClient({ url: ${JSON.stringify(url)}, connectionTimeoutMs: 500, reconnect: { initialDelayMs: 100, maxDelayMs: 300 } ${options} });
  ${body}`;

/** Proves the process is still alive later: an unref'd timer fires only if something else keeps the process running. */
const STILL_ALIVE = `setTimeout(() => { console.log('still alive'); process.exit(0); }, 1500).unref();`;

describe('a Node process with a client', () => {
  test('exits by itself when the client never joined', async () => {
    const server = await testServer();
    const { code, output } = await runModule(app(server.url, `await client.getStats(); console.log('idle');`), { timeoutMs: 10_000 });
    expect(output).toContain('idle');
    expect(code).toBe(0);
  });

  test('exits by itself when the join failed', async () => {
    const url = `ws://127.0.0.1:${await freePort()}`;
    const body = `await client.join(null, 'exit', 1).catch((e) => console.log('join failed:', e.code));`;
    const { code, output } = await runModule(app(url, body, ', joinTimeoutMs: 800'), { timeoutMs: 10_000 });
    expect(output).toContain('join failed: TIMEOUT');
    expect(code).toBe(0);
  });

  test('exits by itself once the client has left', async () => {
    const server = await testServer();
    const body = `await client.join(null, 'exit', 1); await client.publish(); await client.leave(); console.log('left');`;
    const { code, output } = await runModule(app(server.url, body), { timeoutMs: 10_000 });
    expect(output).toContain('left');
    expect(code).toBe(0);
  });

  test('exits by itself after the server ended the stay (a verdict: the uid joined elsewhere)', async () => {
    const server = await testServer();
    const body = `
      await client.join(null, 'exit', 1);
      const other = createClient({ url: ${JSON.stringify(server.url)} });
      await other.join(null, 'exit', 1);
      await other.destroy();
      await new Promise((resolve) => client.connectionState$.subscribe((state) => state === 'DISCONNECTED' && resolve()));
      console.log('replaced');`;
    const { code, output } = await runModule(app(server.url, body), { timeoutMs: 10_000 });
    expect(output).toContain('replaced');
    expect(code).toBe(0);
  });

  test('is kept alive while the client is joined', async () => {
    const server = await testServer();
    const body = `await client.join(null, 'alive', 1); console.log('joined'); ${STILL_ALIVE}`;
    const { code, output } = await runModule(app(server.url, body), { timeoutMs: 10_000 });
    expect(output).toContain('joined');
    expect(output).toContain('still alive');
    expect(code).toBe(0);
  });

  test('is kept alive while the client is reconnecting', async () => {
    const server = await testServer();
    const proxy = await proxyTo(server);
    const body = `
      client.connectionState$.subscribe((state) => {
        if (state === 'CONNECTING' && joined) { console.log('reconnecting'); ${STILL_ALIVE} }
      });
      let joined = false;
      await client.join(null, 'alive', 1);
      joined = true;
      console.log('joined');`;
    let cut = false;
    const { code, output } = await runModule(app(proxy.url(), body), {
      timeoutMs: 10_000,
      onOutput: (text) => {
        if (!cut && text.includes('joined')) {
          cut = true;
          proxy.refuse();
          proxy.drop();
        }
      },
    });
    expect(output).toContain('reconnecting');
    expect(output).toContain('still alive');
    expect(code).toBe(0);
  });
});
