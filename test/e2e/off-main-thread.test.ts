/**
 * The network loop really is off the main thread: the page's own WebSocket constructor is never
 * called, a dedicated Worker exists, and the connection lives and dies with that worker.
 */
import { describe, expect, test } from 'vitest';
import { createClient } from 'channel-link';
import { waitFor } from '../support/wait-for.js';
import { demoServer, hasBrowser, onCleanup, openDemo } from './support/harness.js';

/** Runs in the page before its scripts: counts every `new WebSocket(...)` on the main thread. */
function countMainThreadWebSockets(): void {
  const Native = window.WebSocket;
  const counter = { constructed: 0 };
  (window as unknown as { __mainThreadWebSockets: typeof counter }).__mainThreadWebSockets = counter;
  window.WebSocket = new Proxy(Native, {
    construct(target, args: ConstructorParameters<typeof WebSocket>) {
      counter.constructed++;
      return Reflect.construct(target, args) as WebSocket;
    },
  });
}

describe.skipIf(!hasBrowser)('network loop off the main thread', () => {
  test('no main-thread WebSocket; a dedicated worker holds the connection', async () => {
    const { server, httpUrl } = await demoServer();
    const demo = await openDemo(httpUrl, { channel: 'worker-proof', uid: '1', join: '1' }, { initScript: countMainThreadWebSockets });
    // The wrapper is in place (so a main-thread socket would have been counted).
    expect(await demo.page.evaluate(() => typeof (window as never as { __mainThreadWebSockets?: unknown }).__mainThreadWebSockets)).toBe('object');
    await demo.waitForState('CONNECTED');

    // The connection works: a peer (a Node client) joins and the page sees it, and its stream.
    const peer = createClient({ url: server.url });
    onCleanup(() => peer.destroy());
    await peer.join(null, 'worker-proof', 2);
    await demo.waitForEvent('peer-online 2');
    const stream = await peer.publish();
    await demo.waitForPeers({ 2: [stream.id] });

    const constructed = () =>
      demo.page.evaluate(() => (window as never as { __mainThreadWebSockets: { constructed: number } }).__mainThreadWebSockets.constructed);
    expect(await constructed()).toBe(0);

    // A dedicated worker runs the engine (the SDK's bundle, as emitted by Vite from the package).
    const workers = demo.page.workers().filter((w) => /\/assets\/browser-entry-[\w-]+\.js$/.test(w.url()));
    expect(workers).toHaveLength(1);
    const worker = workers[0]!;
    expect(await worker.evaluate(() => typeof (globalThis as { document?: unknown }).document)).toBe('undefined');
    expect(await worker.evaluate(() => self.name)).toBe('channel-link');
    expect(server.stats().sockets).toBe(2); // the page's and the Node peer's

    // And the worker holds the socket: when the worker goes away, so does the page's connection.
    await worker.evaluate(() => self.close());
    await waitFor(() => server.stats().sockets === 1, { timeoutMs: 5000, message: "server sees the page's socket close" });
    expect(await constructed()).toBe(0);
    // The counter itself works: a socket opened on the main thread is counted.
    await demo.page.evaluate(() => new WebSocket('ws://127.0.0.1:9').close());
    expect(await constructed()).toBe(1);
    expect(demo.pageErrors).toEqual([]);
  });
});
