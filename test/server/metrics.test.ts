/**
 * Prometheus `/metrics`: off by default; on the main port for loopback clients, or on a port of
 * its own. A scrape parses as the text format, and every number in it is the server's own
 * (the counters behind stats() and /stats: one source of truth).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startServer, type ChannelLinkServer, type ServerOptions } from '../../server/index.js';
import { createToken } from '../../server/tokens.js';
import { parseExposition, sampleValue, type Exposition } from '../support/prometheus.js';
import { waitFor } from '../support/wait-for.js';
import { RawClient } from './raw-client.js';

const CERT = 'metrics-test-certificate-0123456789abcdef';
const token = (channel: string, uid: number, expiresInSeconds = 3600) =>
  createToken({ appId: 'test', appCertificate: CERT, channel, uid, expiresInSeconds });

async function scrape(url: string): Promise<{ status: number; contentType: string | null; exposition: Exposition }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), exposition: res.status === 200 ? parseExposition(text) : parseExposition('') };
}

async function withServer(options: ServerOptions, body: (server: ChannelLinkServer) => Promise<void>): Promise<void> {
  const server = await startServer({ port: 0, logLevel: 'silent', ...options });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('GET /metrics', () => {
  it('is off by default', async () => {
    await withServer({}, async (server) => {
      expect(server.metricsUrl).toBeNull();
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(404);
    });
  });

  it('counts what happened: joins by outcome, leaves by reason, timeouts, frames and bytes, refusals; gauges; join latency', async () => {
    const options: ServerOptions = {
      metrics: true,
      appCertificate: CERT,
      joinTimeoutMs: 300,
      streamTimeoutMs: 700,
      peerTimeoutMs: 1500,
      maxPeersPerChannel: 2,
      controlRatePerSecond: 5,
      controlBurst: 5,
    };
    await withServer(options, async (server) => {
      expect(server.metricsUrl).toBe(`http://127.0.0.1:${server.port}/metrics`);
      const url = server.url;
      // Two members; 1 publishes s1, 2 subscribes and gets 3 messages.
      const { client: a } = await RawClient.joined(url, { channel: 'm', uid: 1, token: token('m', 1), streams: ['s1'] });
      const { client: b } = await RawClient.joined(url, { channel: 'm', uid: 2, token: token('m', 2), subscriptions: [{ uid: 1, streamId: 's1' }] });
      for (let i = 0; i < 3; i++) a.sendData('s1', `msg-${i}`);
      await b.waitFor(() => (b.data.length === 3 ? true : undefined), 'three messages');
      // Refused: full channel, bad token, expired token, unsupported version.
      const full = await RawClient.connect(url);
      await full.join({ channel: 'm', uid: 9, token: token('m', 9) }).catch(() => undefined);
      const forged = await RawClient.connect(url);
      await forged.join({ channel: 'm', uid: 3, token: `${token('m', 3)}x` }).catch(() => undefined);
      const expired = await RawClient.connect(url);
      const old = createToken({ appId: 'test', appCertificate: CERT, channel: 'm', uid: 4, expiresInSeconds: 60, now: Date.now() - 3_600_000 });
      await expired.join({ channel: 'm', uid: 4, token: old }).catch(() => undefined);
      const future = await RawClient.connect(url);
      await future.join({ channel: 'm', uid: 5, token: token('m', 5), v: 99 }).catch(() => undefined);
      for (const c of [full, forged, expired, future]) await c.waitClosed();
      // Resumed, then replaced.
      const { client: c1, joined } = await RawClient.joined(url, { channel: 'r', uid: 3, token: token('r', 3) });
      c1.terminate();
      const { client: c2 } = await RawClient.joined(url, { channel: 'r', uid: 3, token: token('r', 3), sessionId: joined.sessionId });
      const { client: a2 } = await RawClient.joined(url, { channel: 'm', uid: 1, token: token('m', 1), streams: ['s1'] });
      await a.waitClosed();
      // These two stay alive (a frame now and then) while others go silent.
      const keepAlive = setInterval(() => [a2, c2].forEach((client) => client.send({ type: 'ping', ts: 0 })), 250);
      onTestFinished(() => clearInterval(keepAlive));
      // A leave; a member that goes silent (its streams, then itself time out); a token that expires; a socket that never joins.
      expect(await b.request({ type: 'leave' })).toMatchObject({ type: 'ack' });
      const { client: silent } = await RawClient.joined(url, { channel: 't', uid: 6, token: token('t', 6), streams: ['s2'] });
      silent.terminate();
      const { client: shortLived } = await RawClient.joined(url, { channel: 'x', uid: 7, token: token('x', 7, 1) });
      const idle = await RawClient.connect(url);
      // A bad frame, and a flood past the control rate limit.
      const hostile = await RawClient.connect(url);
      hostile.sendRaw('not a frame');
      for (let i = 0; i < 30; i++) c2.send({ type: 'ping', ts: i });
      await Promise.all([idle.waitClosed(), hostile.waitClosed(), shortLived.waitClosed()]);
      await waitFor(() => server.stats().counters.peerTimeouts === 1, { timeoutMs: 10_000, message: 'the silent member timed out' });
      clearInterval(keepAlive);

      const { status, contentType, exposition } = await scrape(server.metricsUrl!);
      const stats = server.stats();
      expect(status).toBe(200);
      expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
      const value = (name: string, labels: Record<string, string> = {}) => sampleValue(exposition, name, labels);

      expect(exposition.types.get('channel_link_joins_total')).toBe('counter');
      expect(Object.fromEntries(exposition.samples.filter((s) => s.name === 'channel_link_joins_total').map((s) => [s.labels.outcome, s.value]))).toEqual({
        joined: 5,
        resumed: 1,
        replaced: 1,
        invalid_token: 1,
        token_expired: 1,
        channel_full: 1,
        unsupported_version: 1,
        no_permission: 0,
        banned: 0,
      });
      expect(value('channel_link_leaves_total', { reason: 'quit' })).toBe(1);
      expect(value('channel_link_leaves_total', { reason: 'server_timeout' })).toBe(1);
      expect(value('channel_link_leaves_total', { reason: 'token_expired' })).toBe(1);
      expect(value('channel_link_timeouts_total', { kind: 'join' })).toBe(1);
      expect(value('channel_link_timeouts_total', { kind: 'stream' })).toBe(1);
      expect(value('channel_link_timeouts_total', { kind: 'peer' })).toBe(1);
      expect(value('channel_link_protocol_errors_total')).toBe(1);
      expect(value('channel_link_rate_limited_frames_total')).toBeGreaterThanOrEqual(20);
      expect(value('channel_link_slow_consumer_disconnects_total')).toBe(0);
      // One source of truth: the same numbers as stats().
      const c = stats.counters;
      expect(value('channel_link_frames_received_total')).toBe(c.framesIn);
      expect(value('channel_link_received_bytes_total')).toBe(c.bytesIn);
      expect(value('channel_link_frames_sent_total')).toBe(c.framesOut);
      expect(value('channel_link_sent_bytes_total')).toBe(c.bytesOut);
      expect(value('channel_link_rate_limited_frames_total')).toBe(c.framesDropped);
      expect(value('channel_link_rate_limit_disconnects_total')).toBe(c.rateLimitCloses);
      expect(value('channel_link_upgrades_refused_total')).toBe(c.upgradesRefused);
      // 3 data frames in, and out to the subscriber; every frame counted with its bytes.
      expect(c.framesIn).toBeGreaterThan(3);
      expect(c.bytesIn).toBeGreaterThan(c.framesIn);
      expect(c.framesOut).toBeGreaterThan(3);
      expect(c.bytesOut).toBeGreaterThan(c.framesOut);

      for (const name of ['channel_link_connections', 'channel_link_members', 'channel_link_channels', 'channel_link_streams', 'channel_link_sessions']) {
        expect(exposition.types.get(name), name).toBe('gauge');
      }
      expect(value('channel_link_connections')).toBe(stats.sockets);
      expect(value('channel_link_members')).toBe(stats.members);
      expect(value('channel_link_channels')).toBe(stats.channels);
      expect(value('channel_link_streams')).toBe(stats.streams);
      expect(value('channel_link_sessions')).toBe(stats.sessions);
      expect([stats.members, stats.channels, stats.streams]).toEqual([2, 2, 1]); // uid 1 (s1) in m, uid 3 in r

      expect(exposition.types.get('channel_link_join_duration_seconds')).toBe('histogram');
      expect(value('channel_link_join_duration_seconds_count')).toBe(7);
      expect(value('channel_link_join_duration_seconds_bucket', { le: '+Inf' })).toBe(7);
      const buckets = exposition.samples.filter((s) => s.name === 'channel_link_join_duration_seconds_bucket').map((s) => s.value);
      expect(buckets).toEqual([...buckets].sort((x, y) => x - y));
      expect(value('channel_link_join_duration_seconds_sum')).toBeGreaterThan(0);

      // Event-loop lag and the default process metrics.
      expect(exposition.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
      // prom-client counts process CPU from when the metrics were made, in the kernel's accounting
      // steps: a scrape soon after may rightly read 0.
      expect(exposition.types.get('process_cpu_user_seconds_total')).toBe('counter');
      expect(value('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
      expect(value('process_resident_memory_bytes')).toBeGreaterThan(1024 * 1024);
      expect(value('channel_link_build_info', { version: '0.1.0' })).toBe(1);
      for (const client of [a2, c2]) client.terminate();
    });
  });

  it('on the main port, only loopback clients get it', async () => {
    const { createRequestListener } = await import('../../server/http.js');
    const { createMetrics } = await import('../../server/metrics.js');
    const { newCounters } = await import('../../server/counters.js');
    const pino = (await import('pino')).default;
    const metrics = createMetrics(newCounters(), () => ({ sessions: 0, members: 0, channels: 0, sockets: 0, streams: 0, admission: { inFlight: 0, queued: 0 }, counters: newCounters() }));
    const listener = createRequestListener(undefined, pino({ level: 'silent' }), null, metrics);
    const reply = (remoteAddress: string) =>
      new Promise<number>((resolve) => {
        const res = { writeHead: (status: number) => resolve(status), setHeader() {}, end() {} };
        listener({ url: '/metrics', method: 'GET', socket: { remoteAddress } } as never, res as never);
      });
    expect(await reply('10.0.0.1')).toBe(404);
    expect(await reply('127.0.0.1')).toBe(200);
  });

  it('--metrics-port: on a listener of its own (any client), not on the main port; closed with the server', async () => {
    let metricsUrl = '';
    await withServer({ metricsPort: 0 }, async (server) => {
      metricsUrl = server.metricsUrl!;
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(metricsUrl).not.toContain(`:${server.port}/`);
      const { status, exposition } = await scrape(metricsUrl);
      expect(status).toBe(200);
      expect(sampleValue(exposition, 'channel_link_connections')).toBe(0);
      expect((await fetch(metricsUrl.replace('/metrics', '/healthz'))).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(404);
    });
    await expect(fetch(metricsUrl)).rejects.toThrow();
  });

  it('refuses bad metrics options', async () => {
    await expect(startServer({ port: 0, logLevel: 'silent', metricsPort: 70000 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    // @ts-expect-error not a boolean
    await expect(startServer({ port: 0, logLevel: 'silent', metrics: 'yes' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
