import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode, PROTOCOL_VERSION } from '../../src/protocol.js';
import { startServer, type ChannelLinkServer } from '../../server/index.js';
import { RawClient, startTestServer, uniqueChannel } from './raw-client.js';

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw request: the path is sent exactly as given (no URL normalisation, unlike fetch). */
function httpRequest(port: number, rawPath: string, method = 'GET'): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('http', () => {
  let server: ChannelLinkServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cl-static-'));
    const root = path.join(dir, 'public');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(path.join(root, 'app.js'), 'console.log(1)');
    await writeFile(path.join(root, 'style.css'), 'body{}');
    await writeFile(path.join(root, 'sub', 'index.html'), 'sub page');
    await writeFile(path.join(dir, 'secret.txt'), 'top secret');
    await symlink(path.join(dir, 'secret.txt'), path.join(root, 'link.txt'));
    server = await startTestServer({ staticDir: root });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET /healthz answers 200 {"ok":true}', async () => {
    const res = await httpRequest(server.port, '/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true });
    expect(res.headers['content-type']).toContain('application/json');
  });

  it('serves the static folder with content types, index.html for folders', async () => {
    const index = await httpRequest(server.port, '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>demo</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    const js = await httpRequest(server.port, '/app.js?v=1');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log(1)');
    expect((await httpRequest(server.port, '/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await httpRequest(server.port, '/sub/')).body).toBe('sub page');
    const head = await httpRequest(server.port, '/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await httpRequest(server.port, '/missing.js')).status).toBe(404);
    expect((await httpRequest(server.port, '/app.js', 'POST')).status).toBe(405);
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/sub/../../secret.txt', '/link.txt', '/%00', '/..\\secret.txt', '/%E0%A4%A'])(
    'refuses path traversal: %s',
    async (p) => {
      const res = await httpRequest(server.port, p);
      expect(res.status).not.toBe(200);
      expect(res.body).not.toContain('top secret');
    },
  );

  it('answers 200 on / without a static folder, 404 elsewhere', async () => {
    const bare = await startTestServer();
    try {
      expect((await httpRequest(bare.port, '/')).status).toBe(200);
      expect((await httpRequest(bare.port, '/index.html')).status).toBe(404);
      expect((await httpRequest(bare.port, '/healthz')).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('startServer', () => {
  it('reports the real port and url when started on port 0', async () => {
    const server = await startTestServer();
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.host).toBe('127.0.0.1');
      expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
    } finally {
      await server.close();
    }
  });

  it('rejects invalid options with INVALID_PARAMS', async () => {
    await expect(startServer({ port: -1, logLevel: 'silent' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(startServer({ port: 0, peerTimeoutMs: 0, logLevel: 'silent' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    // @ts-expect-error an unknown level, as from untyped JS
    await expect(startServer({ port: 0, logLevel: 'loud' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('rejects when the port is taken', async () => {
    const first = await startTestServer();
    try {
      await expect(startTestServer({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});

describe('auth seam', () => {
  it('with an app certificate, a join is refused with INVALID_TOKEN and close 4501', async () => {
    const server = await startTestServer({ appCertificate: 'secret' });
    try {
      const client = await RawClient.connect(server.url);
      client.send({ type: 'join', v: PROTOCOL_VERSION, appId: 'test', channel: 'room', uid: 1, token: 'abc', role: 'host', streams: [], subscriptions: [] });
      expect(await client.next('error')).toMatchObject({ code: 'INVALID_TOKEN' });
      const close = await client.waitClosed();
      expect(close.code).toBe(CloseCode.INVALID_TOKEN);
      expect(close.reason).not.toBe('');
      expect(server.stats().members).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a custom verifyToken hook decides, and renew-token goes through it', async () => {
    // The server enforces the expiry it is given (test/security/tokens.test.ts): give a future one.
    const expiresAt = Date.now() + 60_000;
    const server = await startTestServer({
      verifyToken: (token) => (token === 'good' ? { ok: true, expiresAt } : { ok: false, code: 'TOKEN_EXPIRED', message: 'expired' }),
    });
    try {
      const { client, joined } = await RawClient.joined(server.url, { channel: 'room', uid: 1, token: 'good' });
      expect(joined.tokenExpiresAt).toBe(expiresAt);
      expect(await client.request({ type: 'renew-token', token: 'bad' })).toMatchObject({ type: 'error', code: 'TOKEN_EXPIRED' });
      expect(await client.request({ type: 'renew-token', token: 'good' })).toMatchObject({ type: 'ack' });
      const refused = await RawClient.connect(server.url);
      refused.send({ type: 'join', v: PROTOCOL_VERSION, appId: 'test', channel: 'room', uid: 2, token: 'bad', role: 'host', streams: [], subscriptions: [] });
      expect((await refused.waitClosed()).code).toBe(CloseCode.TOKEN_EXPIRED);
    } finally {
      await server.close();
    }
  });
});

describe('close()', () => {
  it('sends server-closing, closes every socket with 1001, keeps no timer, and resolves', async () => {
    const server = await startTestServer({ peerTimeoutMs: 60_000, streamTimeoutMs: 60_000, joinTimeoutMs: 60_000 });
    const channel = uniqueChannel();
    const { client: a } = await RawClient.joined(server.url, { channel, uid: 1, streams: ['s1'] });
    const { client: b } = await RawClient.joined(server.url, { channel, uid: 2 });
    const idle = await RawClient.connect(server.url); // never joins
    const dropped = await RawClient.joined(server.url, { channel, uid: 3 });
    dropped.client.terminate(); // a session without socket, waiting for its timeout

    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1500);

    for (const c of [a, b, idle]) {
      const close = await c.waitClosed();
      expect(close.code).toBe(CloseCode.GOING_AWAY);
      expect(close.reason).not.toBe('');
      expect(c.frames.at(-1)).toEqual({ type: 'server-closing' });
    }
    expect(server.stats()).toMatchObject({ sessions: 0, sockets: 0 });
    // A second close() is harmless; new connections are refused.
    await server.close();
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(server.url);
        ws.on('open', resolve);
        ws.on('error', reject);
      }),
    ).rejects.toThrow();
  });

  it('terminates a socket that does not finish the closing handshake', async () => {
    const server = await startTestServer({ closeGraceMs: 200 });
    const { client } = await RawClient.joined(server.url, { channel: uniqueChannel(), uid: 1 });
    // Stop reading: the client never answers the close frame.
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const started = Date.now();
    await server.close();
    const took = Date.now() - started;
    client.terminate();
    expect(took).toBeGreaterThanOrEqual(200 - 2); // waited for the grace period...
    expect(took).toBeLessThan(1500); // ...then terminated, not ws's own close timeout
  });
});
