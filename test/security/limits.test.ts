/**
 * Limits: frame sizes (control and data apart), the join deadline (WebSocket and raw TCP),
 * allowed origins, and peers per channel. Rate limits and slow consumers have their own files.
 */
import net from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION } from '../../src/protocol.js';
import { startServer, type ChannelLinkServer, type ServerOptions } from '../../server/index.js';
import { RawClient, startTestServer, uniqueChannel } from '../server/raw-client.js';

let server: ChannelLinkServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (options: ServerOptions): Promise<ChannelLinkServer> => (server = await startTestServer(options));

describe('frame sizes: control and data frames have separate limits', () => {
  it('a control frame over maxControlFrameBytes closes 1009, while a larger data frame under maxDataFrameBytes is forwarded', async () => {
    const s = await start({ maxControlFrameBytes: 2048, maxDataFrameBytes: 16 * 1024 });
    const channel = uniqueChannel('size');
    const { client: pub } = await RawClient.joined(s.url, { channel, uid: 1, streams: ['s1'] });
    const { client: sub } = await RawClient.joined(s.url, { channel, uid: 2, subscriptions: [{ uid: 1, streamId: 's1' }] });

    pub.sendData('s1', new Uint8Array(12 * 1024).fill(7)); // 6x the control limit: fine as data
    await sub.waitFor(() => sub.data.length === 1, 'the 12 KiB data frame');
    expect((sub.data[0]!.data as Uint8Array).length).toBe(12 * 1024);

    const bigControl = await RawClient.joined(s.url, { channel, uid: 3 });
    bigControl.client.sendRaw(JSON.stringify({ type: 'ping', ts: 1 }) + ' '.repeat(3000));
    const close = await bigControl.client.waitClosed();
    expect(close).toMatchObject({ code: CloseCode.TOO_BIG });
    expect(close.reason).toContain('exceeds 2048');
    expect(bigControl.client.frames.find((f) => f.type === 'error')).toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('a data frame over maxDataFrameBytes closes 1009', async () => {
    const s = await start({ maxControlFrameBytes: 2048, maxDataFrameBytes: 16 * 1024 });
    const channel = uniqueChannel('size');
    const { client: pub } = await RawClient.joined(s.url, { channel, uid: 1, streams: ['s1'] });
    const { client: sub } = await RawClient.joined(s.url, { channel, uid: 2, subscriptions: [{ uid: 1, streamId: 's1' }] });
    pub.sendData('s1', new Uint8Array(20 * 1024));
    expect((await pub.waitClosed()).code).toBe(CloseCode.TOO_BIG);
    await sub.ping();
    expect(sub.data).toEqual([]);
    expect(sub.closeInfo).toBeNull();
  });

  it('with the defaults: a 100 KiB control frame is refused, a 512 KiB data frame is forwarded', async () => {
    const s = await start({});
    const channel = uniqueChannel('size');
    const { client: pub } = await RawClient.joined(s.url, { channel, uid: 1, streams: ['s1'] });
    const { client: sub } = await RawClient.joined(s.url, { channel, uid: 2, subscriptions: [{ uid: 1, streamId: 's1' }] });
    pub.sendData('s1', new Uint8Array(512 * 1024));
    await sub.waitFor(() => sub.data.length === 1, 'the 512 KiB data frame');
    pub.sendRaw(JSON.stringify({ type: 'ping', ts: 1 }) + ' '.repeat(100 * 1024));
    expect((await pub.waitClosed()).code).toBe(CloseCode.TOO_BIG);
  });
});

describe('sockets that do not join', () => {
  it('a WebSocket that never joins is closed after joinTimeoutMs (error TIMEOUT, 4408); one that joins in time stays', async () => {
    const s = await start({ joinTimeoutMs: 300 });
    const started = Date.now();
    const idle = await RawClient.connect(s.url);
    const joiner = await RawClient.connect(s.url);
    await joiner.join({ channel: uniqueChannel('jt'), uid: 1 });
    const close = await idle.waitClosed();
    expect(close.code).toBe(CloseCode.JOIN_TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
    expect(idle.frames).toEqual([{ type: 'error', code: 'TIMEOUT', message: 'no join frame within 300 ms' }]);
    await joiner.ping();
    expect(joiner.closeInfo).toBeNull();
  });

  it.each([
    ['sends nothing at all', ''],
    ['sends half an HTTP request (slowloris)', 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'],
  ])('a TCP connection that %s is cut off (HTTP headers timeout follows the join timeout)', async (_name, payload) => {
    const s = await start({ joinTimeoutMs: 500 });
    const started = Date.now();
    const socket = net.connect(s.port, '127.0.0.1', () => payload && socket.write(payload));
    socket.on('error', () => undefined);
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    // headersTimeout = max(1000, joinTimeoutMs), checked every second.
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('allowed origins', () => {
  const tryOpen = (url: string, origin?: string) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url, origin === undefined ? {} : { origin });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
    });

  it('refuses the upgrade with 403 for an origin not in the list; the listed one (any case) and no Origin pass', async () => {
    const s = await start({ allowedOrigins: ['https://app.example.com', 'http://localhost:5173'] });
    expect(await tryOpen(s.url, 'https://evil.example.com')).toBe(403);
    expect(await tryOpen(s.url, 'https://app.example.com.evil.com')).toBe(403);
    expect(await tryOpen(s.url, 'http://app.example.com')).toBe(403); // another scheme is another origin
    expect(await tryOpen(s.url, 'null')).toBe(403);
    expect(await tryOpen(s.url, 'https://app.example.com')).toBe(101);
    expect(await tryOpen(s.url, 'HTTPS://APP.EXAMPLE.COM')).toBe(101);
    expect(await tryOpen(s.url, 'http://localhost:5173')).toBe(101);
    expect(await tryOpen(s.url)).toBe(101); // not a browser (the Node SDK sends no Origin)
    expect(s.stats().counters.upgradesRefused).toBe(4);
  });

  it('without a list any origin may connect', async () => {
    const s = await start({});
    expect(await tryOpen(s.url, 'https://anything.example')).toBe(101);
  });

  it('a bad entry is refused at startup (INVALID_PARAMS)', async () => {
    await expect(startServer({ port: 0, logLevel: 'silent', allowedOrigins: ['not an origin'] })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});

describe('maximum peers per channel', () => {
  it('a join beyond maxPeersPerChannel gets error CHANNEL_FULL and close 4410; other channels, resumes and replacements still work', async () => {
    const s = await start({ maxPeersPerChannel: 3, peerTimeoutMs: 5000 });
    const channel = uniqueChannel('full');
    const members = [];
    for (const uid of [1, 2, 3]) members.push(await RawClient.joined(s.url, { channel, uid }));

    const fourth = await RawClient.connect(s.url);
    fourth.send({ type: 'join', v: PROTOCOL_VERSION, appId: 'test', channel, uid: 4, token: null, role: 'host', streams: [], subscriptions: [] });
    expect(await fourth.next('error')).toMatchObject({ code: 'CHANNEL_FULL' });
    expect((await fourth.waitClosed()).code).toBe(CloseCode.CHANNEL_FULL);
    expect(s.stats().members).toBe(3);
    await members[0]!.client.ping();
    expect(members[0]!.client.events().map((e) => e.type)).toEqual(['peer-online', 'peer-online']); // uids 2 and 3 only

    // Another channel is not affected.
    await RawClient.joined(s.url, { channel: `${channel}-other`, uid: 4 });
    // A resume adds nobody: allowed.
    members[2]!.client.terminate();
    const back = await RawClient.connect(s.url);
    expect((await back.join({ channel, uid: 3, sessionId: members[2]!.joined.sessionId })).resumed).toBe(true);
    // Nor does a uid replacement.
    const replacement = await RawClient.connect(s.url);
    expect((await replacement.join({ channel, uid: 2 })).resumed).toBe(false);
    // Once someone leaves, a newcomer fits.
    members[0]!.client.send({ type: 'leave', id: 1 });
    await members[0]!.client.waitClosed();
    await RawClient.joined(s.url, { channel, uid: 5 });
    expect(s.stats().members).toBe(4);
  });
});
