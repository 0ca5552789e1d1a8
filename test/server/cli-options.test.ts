/** parseCli() and resolveOptions() for the operability options: metrics, log format, PORT, the stream/peer timeout rule. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCli } from '../../server/cli-options.js';
import { resolveOptions } from '../../server/options.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('parseCli', () => {
  it('metrics and log format from flags, or from CHANNEL_LINK_* variables', () => {
    expect(parseCli(['--metrics', '--metrics-port', '9464', '--metrics-host', '0.0.0.0', '--log-format', 'json'])).toEqual({
      kind: 'run',
      options: { metrics: true, metricsPort: 9464, metricsHost: '0.0.0.0', logFormat: 'json' },
    });
    vi.stubEnv('CHANNEL_LINK_METRICS', '1');
    vi.stubEnv('CHANNEL_LINK_LOG_FORMAT', 'pretty');
    expect(parseCli([])).toEqual({ kind: 'run', options: { metrics: true, logFormat: 'pretty' } });
    vi.stubEnv('CHANNEL_LINK_METRICS', '0');
    expect(parseCli([])).toEqual({ kind: 'run', options: { logFormat: 'pretty' } });
  });

  it('the port: --port, else CHANNEL_LINK_PORT, else PORT', () => {
    vi.stubEnv('CHANNEL_LINK_PORT', undefined);
    vi.stubEnv('PORT', '9001');
    expect(parseCli([])).toEqual({ kind: 'run', options: { port: 9001 } });
    vi.stubEnv('CHANNEL_LINK_PORT', '9002');
    expect(parseCli([])).toEqual({ kind: 'run', options: { port: 9002 } });
    expect(parseCli(['--port', '9003'])).toEqual({ kind: 'run', options: { port: 9003 } });
  });

  it('the joins in flight: --max-joins-in-flight, else CHANNEL_LINK_MAX_JOINS_IN_FLIGHT; at least 1', () => {
    expect(parseCli(['--max-joins-in-flight', '8'])).toEqual({ kind: 'run', options: { maxJoinsInFlight: 8 } });
    vi.stubEnv('CHANNEL_LINK_MAX_JOINS_IN_FLIGHT', '200');
    expect(parseCli([])).toEqual({ kind: 'run', options: { maxJoinsInFlight: 200 } });
    expect(() => parseCli(['--max-joins-in-flight', '0'])).toThrow('--max-joins-in-flight must be an integer 1-1000000 (got "0")');
    expect(resolveOptions({}).maxJoinsInFlight).toBe(64);
    expect(() => resolveOptions({ maxJoinsInFlight: 0 })).toThrow('maxJoinsInFlight must be an integer 1-1000000');
  });

  it('the backend contract: --api-secret and --token-public-key, or their CHANNEL_LINK_* variables', () => {
    expect(parseCli(['--api-secret', 'a'.repeat(20), '--token-public-key', 'key.pem'])).toEqual({ kind: 'run', options: { apiSecret: 'a'.repeat(20), tokenPublicKey: 'key.pem' } });
    vi.stubEnv('CHANNEL_LINK_API_SECRET', 'b'.repeat(20));
    vi.stubEnv('CHANNEL_LINK_TOKEN_PUBLIC_KEY', 'other.pem');
    expect(parseCli([])).toEqual({ kind: 'run', options: { apiSecret: 'b'.repeat(20), tokenPublicKey: 'other.pem' } });
    expect(() => resolveOptions({ apiSecret: 'short' })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS' }));
  });

  it('webhooks: --webhook-url repeatable, or CHANNEL_LINK_WEBHOOK_URLS comma-separated; the secret and retry window', () => {
    const secret = 's'.repeat(20);
    expect(parseCli(['--webhook-url', 'http://a/h', '--webhook-url', 'https://b/h', '--webhook-secret', secret, '--webhook-retry-ms', '5000'])).toEqual({
      kind: 'run',
      options: { webhookUrls: ['http://a/h', 'https://b/h'], webhookSecret: secret, webhookRetryMs: 5000 },
    });
    vi.stubEnv('CHANNEL_LINK_WEBHOOK_URLS', 'http://a/h, http://c/h');
    vi.stubEnv('CHANNEL_LINK_WEBHOOK_SECRET', secret);
    expect(parseCli([])).toEqual({ kind: 'run', options: { webhookUrls: ['http://a/h', 'http://c/h'], webhookSecret: secret } });
    expect(() => resolveOptions({ webhookUrls: ['http://a/h'] })).toThrow('webhookUrls need a webhookSecret');
    expect(() => resolveOptions({ webhookUrls: ['ftp://a/h'], webhookSecret: secret })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS' }));
    expect(resolveOptions({}).webhookRetryMs).toBe(600_000);
  });

  it('a Redis Cluster: --redis-cluster or CHANNEL_LINK_REDIS_CLUSTER, host:port entries, not with --redis-url', () => {
    expect(parseCli(['--redis-cluster', '10.0.0.1:7000, 10.0.0.2:7001'])).toEqual({ kind: 'run', options: { redisCluster: ['10.0.0.1:7000', '10.0.0.2:7001'] } });
    vi.stubEnv('CHANNEL_LINK_REDIS_CLUSTER', 'redis-a:6379');
    expect(parseCli([])).toEqual({ kind: 'run', options: { redisCluster: ['redis-a:6379'] } });
    expect(() => parseCli(['--redis-cluster', 'redis-a'])).toThrow('host:port');
    expect(() => parseCli(['--redis-cluster', 'a:1', '--redis-url', 'redis://b:2'])).toThrow('exclude each other');
    expect(() => resolveOptions({ redisCluster: [] })).toThrow('redisCluster');
    expect(() => resolveOptions({ redisPrefix: 'a{b}' })).toThrow('braces');
  });

  it('a stream timeout up to the peer timeout is fine', () => {
    expect(parseCli(['--peer-timeout-ms', '4000', '--stream-timeout-ms', '4000'])).toEqual({ kind: 'run', options: { peerTimeoutMs: 4000, streamTimeoutMs: 4000 } });
    expect(() => parseCli(['--peer-timeout-ms', '4000', '--stream-timeout-ms', '4001'])).toThrow('a stream cannot outlive its member');
  });
});

describe('resolveOptions: stream and peer timeouts', () => {
  it('the stream timeout defaults to the peer timeout when that is shorter than 10 s', () => {
    expect(resolveOptions({ peerTimeoutMs: 1500 })).toMatchObject({ peerTimeoutMs: 1500, streamTimeoutMs: 1500 });
    expect(resolveOptions({})).toMatchObject({ peerTimeoutMs: 10_000, streamTimeoutMs: 10_000 });
    expect(resolveOptions({ peerTimeoutMs: 30_000 })).toMatchObject({ peerTimeoutMs: 30_000, streamTimeoutMs: 10_000 });
  });

  it('refuses a stream timeout longer than the peer timeout', () => {
    expect(() => resolveOptions({ peerTimeoutMs: 1000, streamTimeoutMs: 2000 })).toThrow(
      'streamTimeoutMs (2000) must not exceed peerTimeoutMs (1000): a stream cannot outlive its member',
    );
  });

  it('metrics: off unless asked; a metrics port implies them', () => {
    expect(resolveOptions({}).metrics).toBeNull();
    expect(resolveOptions({ metrics: true }).metrics).toEqual({ port: null, host: '127.0.0.1' });
    expect(resolveOptions({ metricsPort: 0, host: '::1' }).metrics).toEqual({ port: 0, host: '::1' });
    expect(resolveOptions({ metricsPort: 9464, metricsHost: '0.0.0.0' }).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(resolveOptions({ metrics: false, metricsPort: 9464 }).metrics).toBeNull();
  });
});
