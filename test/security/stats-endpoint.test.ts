/** GET /stats: off by default; when on, answered to loopback clients only (404 to anyone else). */
import { networkInterfaces } from 'node:os';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createRequestListener } from '../../server/http.js';
import { startServer } from '../../server/index.js';
import { isLoopback } from '../../server/stats.js';
import { RawClient } from '../server/raw-client.js';

const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('GET /stats', () => {
  it('is off by default (404)', async () => {
    const server = await startServer({ port: 0, logLevel: 'silent' });
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/stats`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('when on: counts, counters and memory for a loopback client', async () => {
    const server = await startServer({ port: 0, logLevel: 'silent', statsEndpoint: true });
    try {
      await RawClient.joined(server.url, { channel: 'stats', uid: 1, streams: ['s1'] });
      const res = await fetch(`http://127.0.0.1:${server.port}/stats`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ sessions: 1, members: 1, channels: 1, sockets: 1, streams: 1, counters: { framesIn: 1 } });
      expect((body.memory as { rss: number }).rss).toBeGreaterThan(1024 * 1024);
      expect(body.uptimeMs).toBeGreaterThanOrEqual(0);
    } finally {
      await server.close();
    }
  });

  it('when on: 404 for a client on a non-loopback address', async () => {
    // Through the request listener with a remote address of 10.0.0.1 ...
    const listener = createRequestListener(undefined, pino({ level: 'silent' }), () => {
      throw new Error('the report must not be built for a remote client');
    });
    const res = { statusCode: 0, writeHead(status: number) { this.statusCode = status; }, setHeader() {}, end() {} };
    listener({ url: '/stats', method: 'GET', socket: { remoteAddress: '10.0.0.1' } } as never, res as never);
    await vi.waitFor(() => expect(res.statusCode).toBe(404));
    // ... and for real, over this host's own non-loopback address, when it has one.
    if (externalAddress === undefined) return;
    const server = await startServer({ port: 0, host: '0.0.0.0', logLevel: 'silent', statsEndpoint: true });
    try {
      expect((await fetch(`http://${externalAddress}:${server.port}/stats`)).status).toBe(404);
      expect((await fetch(`http://${externalAddress}:${server.port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.port}/stats`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('knows its loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a), a).toBe(true);
    for (const a of ['10.0.0.1', '192.0.2.2', '::ffff:10.0.0.1', 'fd00::2', undefined]) expect(isLoopback(a), String(a)).toBe(false);
  });
});
