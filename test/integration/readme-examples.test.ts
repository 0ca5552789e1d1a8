/**
 * The documented examples run, as written, so they cannot rot. Each runs as an app would: a child
 * Node process importing the built package by name, which must exit by itself. The README's
 * quick start and the browser example of docs/api.md run in Node, with the same API, against a
 * real server where a peer publishes (the browser example's three blocks in order, with
 * `renderPeerList`, the app's own function, stubbed). The README's subscribe example is driven
 * through outages by subscribe-once.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { createClient } from 'channel-link';
import { createToken } from 'channel-link/server';
import { CERT } from '../security/helpers.js';
import { docExample, toJavaScript, typeErrors } from '../support/docs.js';
import { runModule } from '../support/run-module.js';
import { onCleanup, testClient, testServer } from './harness.js';

/** The URL the examples name: the server `npm start` runs. */
const EXAMPLE_URL = "'ws://127.0.0.1:8080'";

describe('documented examples', () => {
  test('the quick start (README) runs in Node against a real server: a peer sees it join, publish and leave', async () => {
    const server = await testServer();
    const peer = testClient(server.url);
    await peer.client.join(null, 'room-1', 7);
    const example = docExample('quick-start').code;
    expect(example).toContain(EXAMPLE_URL);
    const { code, output } = await runModule(toJavaScript(example.replace(EXAMPLE_URL, JSON.stringify(server.url))), { timeoutMs: 20_000 });
    expect(output).toContain('DISCONNECTED -> CONNECTING (JOIN)');
    expect(output).toContain('CONNECTING -> CONNECTED (JOINED)');
    expect(output).toContain('online: 7');
    expect(output).toContain('DISCONNECTING -> DISCONNECTED (LEAVE)');
    expect(code, output).toBe(0);
    await peer.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 1);
    expect(peer.log('peer-online', 'stream-added', 'stream-removed', 'peer-leave')).toEqual([
      'peer-online 1',
      'stream-added 1',
      'stream-removed 1 PEER_LEFT',
      'peer-leave 1 QUIT',
    ]);
  });

  test('the quick start, and the README\'s subscribe example after it, compile under strict TypeScript against the built package', () => {
    expect(typeErrors(docExample('quick-start').code)).toEqual([]);
    expect(typeErrors(`${docExample('quick-start').code}\n${docExample('subscribe').code}`)).toEqual([]);
  });

  test('the browser example (connect, subscribe, join, publish, leave) runs in Node against a real server', async () => {
    const server = await testServer();
    // A peer in the channel, publishing, so the example's stream-added handler has a stream to follow.
    const peer = testClient(server.url);
    await peer.client.join(null, 'room-1', 7);
    const stream = await peer.client.publish();
    const tick = setInterval(() => stream.send('tick'), 20);
    onCleanup(() => clearInterval(tick));

    const connect = docExample('browser-connect').code;
    expect(connect).toContain(EXAMPLE_URL);
    const [joinPart, laterPart] = docExample('browser-join').code.split('// ... later:');
    expect(laterPart, 'the join example has a "later" part').toBeDefined();
    const program = [
      // The app's own rendering, and a way to wait (between the example's "now" and "later") for a message to arrive.
      `const renderPeerList = (peers) => console.log('peers:', peers.map((p) => p.uid).join(','));`,
      `let sawMessage; const messageSeen = new Promise((resolve) => (sawMessage = resolve));`,
      `const print = console.log; console.log = (...args) => { if (args[0] === 7 && args[1] === 'tick') sawMessage(); print(...args); };`,
      connect.replace(EXAMPLE_URL, JSON.stringify(server.url)),
      docExample('browser-subscribe').code,
      joinPart,
      'await messageSeen;',
      laterPart,
    ].join('\n');
    const { code, output } = await runModule(toJavaScript(program), { timeoutMs: 20_000 });
    expect(output).toContain('DISCONNECTED -> CONNECTING (JOIN)');
    expect(output).toContain('CONNECTING -> CONNECTED (JOINED)');
    expect(output).toContain('peers: 7');
    expect(output).toContain('7 tick');
    expect(output).toContain('DISCONNECTING -> DISCONNECTED (LEAVE)');
    expect(output).not.toMatch(/Error|subscribe \S+: /);
    expect(code, output).toBe(0);
    await peer.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 1 && e.reason === 'QUIT');
  });

  test('the browser example compiles under strict TypeScript against the built package', () => {
    const app = [
      'declare function renderPeerList(peers: readonly { uid: string | number }[]): void;',
      docExample('browser-connect').code,
      docExample('browser-subscribe').code,
      docExample('browser-join').code,
    ].join('\n');
    expect(typeErrors(app)).toEqual([]);
    // The check is real: a wrong payload field is caught.
    expect(typeErrors(`${app}\nclient.on('peer-leave', ({ streamId }) => streamId);`).join()).toMatch(/streamId/);
  });

  test('the React example (README) compiles under strict TypeScript, JSX included, against the built channel-link/react', () => {
    const { lang, code } = docExample('react');
    expect(lang).toBe('tsx');
    expect(typeErrors(code, { jsx: true })).toEqual([]);
    // The check is real: a hook's value is typed.
    expect(typeErrors(`${code}\nexport const wrong: number = 0 as unknown as ReturnType<typeof import('channel-link/react').useConnectionState>;`, { jsx: true }).join()).toMatch(/ConnectionState|not assignable/);
  });

  test('the Node example runs against a real server and lets the process exit', async () => {
    const { lang, code: example } = docExample('node');
    expect(lang).toBe('js');
    const { code, output } = await runModule(example, { timeoutMs: 20_000 });
    expect(output).toContain("type: 'connected'");
    expect(output).toContain("curState: 'CONNECTED'");
    expect(code, output).toBe(0);
  });

  test('the token example issues a token that the server accepts', async () => {
    const { code: example } = docExample('token');
    const program = [
      // The app around the snippet: an Express-like router, a login check, and one request.
      `const routes = []; const app = { get: (path, ...handlers) => routes.push(handlers) }; const requireLogin = (req, res, next) => next();`,
      example,
      `routes[0].at(-1)({ query: { channel: 'room-1' }, user: { id: 42 } }, { json: (body) => console.log(JSON.stringify(body)) });`,
    ].join('\n');
    const { code, output } = await runModule(program, { env: { CHANNEL_LINK_APP_CERTIFICATE: CERT } });
    expect(code, output).toBe(0);
    const { token } = JSON.parse(output.trim()) as { token: string };
    const server = await testServer({ appCertificate: CERT });
    const client = createClient({ url: server.url, appId: 'my-app' });
    onCleanup(() => client.destroy());
    await expect(client.join(token, 'room-1', 42)).resolves.toBe(42);
    const other = createClient({ url: server.url, appId: 'my-app' });
    onCleanup(() => other.destroy());
    await expect(other.join(token, 'room-1', 43)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  test('the backend example mints with jose a token the server accepts, with its fixed attributes', async () => {
    const { code, output } = await runModule(docExample('backend-jwt').code, { env: { CHANNEL_LINK_APP_CERTIFICATE: CERT } });
    expect(code, output).toBe(0);
    const token = output.trim();
    const server = await testServer({ appCertificate: CERT });
    const peer = testClient(server.url, { appId: 'my-app' });
    await peer.client.join(createToken({ appId: 'my-app', appCertificate: CERT, channel: 'room-1', uid: 7, expiresInSeconds: 60 }), 'room-1', 7);
    const client = createClient({ url: server.url, appId: 'my-app' });
    onCleanup(() => client.destroy());
    await expect(client.join(token, 'room-1', 42)).resolves.toBe(42);
    const online = await peer.waitForEvent((e) => e.type === 'peer-online' && e.uid === 42);
    expect(online).toMatchObject({ attributes: { name: 'Ada' } });
    await expect(client.setAttributes({ name: 'Eve' })).rejects.toMatchObject({ code: 'NO_PERMISSION' });
  });
});
