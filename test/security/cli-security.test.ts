/**
 * The security flags of the CLI (and their CHANNEL_LINK_* variables), the `token` subcommand,
 * and the startup warning of an open server.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCli } from '../../server/cli-options.js';
import { startServer } from '../../server/index.js';
import { verifyToken } from '../../server/token-verify.js';
import { RawClient } from '../server/raw-client.js';
import { captureLogger } from './helpers.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/server/cli.js');

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('security flags', () => {
  it('parses every limit flag into the server options', () => {
    const outcome = parseCli([
      '--join-timeout-ms', '2000', '--token-will-expire-ms', '10000',
      '--max-control-frame-bytes', '4096', '--max-data-frame-bytes', '65536',
      '--control-rate', '20', '--control-burst', '40', '--data-rate', '500', '--data-burst', '1000',
      '--rate-limit-max-dropped', '50', '--max-buffered-bytes', '1048576', '--max-peers-per-channel', '17',
      '--allowed-origins', 'https://a.example, http://localhost:5173', '--app-certificate', 'cert', '--stats',
      '--tls-cert', '/c.pem', '--tls-key', '/k.pem',
    ]);
    expect(outcome).toEqual({
      kind: 'run',
      options: {
        joinTimeoutMs: 2000, tokenWillExpireMs: 10000, maxControlFrameBytes: 4096, maxDataFrameBytes: 65536,
        controlRatePerSecond: 20, controlBurst: 40, dataRatePerSecond: 500, dataBurst: 1000, rateLimitMaxDropped: 50,
        maxBufferedBytes: 1048576, maxPeersPerChannel: 17, allowedOrigins: ['https://a.example', 'http://localhost:5173'],
        appCertificate: 'cert', statsEndpoint: true, tlsCert: '/c.pem', tlsKey: '/k.pem',
      },
    });
  });

  it('reads the same settings from CHANNEL_LINK_* variables; flags win', () => {
    vi.stubEnv('CHANNEL_LINK_MAX_PEERS_PER_CHANNEL', '5');
    vi.stubEnv('CHANNEL_LINK_CONTROL_RATE', '7');
    vi.stubEnv('CHANNEL_LINK_ALLOWED_ORIGINS', 'https://x.example');
    vi.stubEnv('CHANNEL_LINK_STATS', '1');
    vi.stubEnv('CHANNEL_LINK_TLS_CERT', '/env-cert.pem');
    vi.stubEnv('CHANNEL_LINK_TLS_KEY', '/env-key.pem');
    expect(parseCli(['--control-rate', '9'])).toEqual({
      kind: 'run',
      options: { maxPeersPerChannel: 5, controlRatePerSecond: 9, allowedOrigins: ['https://x.example'], statsEndpoint: true, tlsCert: '/env-cert.pem', tlsKey: '/env-key.pem' },
    });
  });

  it.each([
    [['--control-rate', '0'], '--control-rate must be an integer 1-1000000 (got "0")'],
    [['--max-buffered-bytes', '1000'], '--max-buffered-bytes must be an integer 65536-2147483648 (got "1000")'],
    [['--max-peers-per-channel', 'many'], '--max-peers-per-channel must be an integer 1-10000000 (got "many")'],
  ])('refuses %j', (args, message) => {
    expect(() => parseCli(args)).toThrow(message);
  });

  it('CHANNEL_LINK_STATS=0 does not enable /stats', () => {
    vi.stubEnv('CHANNEL_LINK_STATS', '0');
    expect(parseCli([])).toEqual({ kind: 'run', options: {} });
  });
});

describe('channel-link-server token', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 15_000 });

  it('prints a token the server accepts for exactly that app, channel and uid', async () => {
    const r = run(['token', '--app-id', 'shop', '--app-certificate', 'c3rt', '--channel', 'room-1', '--uid', '42', '--expires-in', '600']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const token = r.stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const verdict = await verifyToken(token, 'c3rt', { appId: 'shop', channel: 'room-1', uid: 42 });
    expect(verdict.ok).toBe(true);
    expect((verdict as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now() + 590_000);
    expect((await verifyToken(token, 'c3rt', { appId: 'shop', channel: 'room-1', uid: '42' })).ok).toBe(false);

    const server = await startServer({ port: 0, logLevel: 'silent', appCertificate: 'c3rt' });
    try {
      const { joined } = await RawClient.joined(server.url, { appId: 'shop', channel: 'room-1', uid: 42, token });
      expect(joined.uid).toBe(42);
    } finally {
      await server.close();
    }
  });

  it('--string-uid, the certificate from CHANNEL_LINK_APP_CERTIFICATE, and the default app id', async () => {
    const r = run(['token', '--channel', 'c', '--uid', '42', '--string-uid'], { CHANNEL_LINK_APP_CERTIFICATE: 'from-env' });
    expect(r.status).toBe(0);
    expect((await verifyToken(r.stdout.trim(), 'from-env', { appId: 'default', channel: 'c', uid: '42' })).ok).toBe(true);
  });

  it('--role, --no-publish and --attributes become the token\'s grants', async () => {
    const r = run(['token', '--app-certificate', 'c3rt', '--channel', 'c', '--uid', '7', '--role', 'audience', '--no-publish', '--attributes', '{"name":"Ada"}']);
    expect(r.stderr).toBe('');
    const verdict = await verifyToken(r.stdout.trim(), 'c3rt', { appId: 'default', channel: 'c', uid: 7 });
    expect(verdict).toMatchObject({ ok: true, grants: { role: 'audience', canPublish: false, attributes: { name: 'Ada' } } });
    const bad = run(['token', '--app-certificate', 'c3rt', '--channel', 'c', '--uid', '7', '--attributes', '{"name":1}']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error INVALID_PARAMS: token attributes/);
  });

  it.each([
    [['token', '--channel', 'c', '--uid', '1'], 'error INVALID_PARAMS: --app-certificate (or CHANNEL_LINK_APP_CERTIFICATE) is required'],
    [['token', '--app-certificate', 'x', '--uid', '1'], "error INVALID_PARAMS: required option '--channel <channel>' not specified"],
    // The channel-name rule, in the words the client uses.
    [['token', '--app-certificate', 'x', '--channel', 'bad/name', '--uid', '1'], 'error INVALID_PARAMS: channel must be 1-64 characters: letters, digits, space, a comma or one of !#$%&()+-:;<=.>?@[]^_{|}~; got "bad/name", where "/" is not allowed'],
    [['token', '--app-certificate', 'x', '--channel', 'c', '--uid', '1', '--expires-in', 'soon'], 'error INVALID_PARAMS: --expires-in must be a positive number of seconds (got "soon")'],
  ])('%j exits 2 with one error line', (args, line) => {
    const r = run(args, { CHANNEL_LINK_APP_CERTIFICATE: '' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.stdout).toBe('');
  });
});

describe('startup warnings', () => {
  it('without an app certificate the server says loudly that it is open', async () => {
    const { logger, lines } = captureLogger('info');
    const server = await startServer({ port: 0, logger });
    await server.close();
    const warning = lines.find((l) => l.level === 40 && l.msg.startsWith('OPEN SERVER'));
    expect(warning?.msg).toContain('no appCertificate is set');
  });

  it('with one it does not, but warns about a short certificate', async () => {
    const { logger, lines } = captureLogger('info');
    const server = await startServer({ port: 0, logger, appCertificate: 'short' });
    await server.close();
    expect(lines.some((l) => l.msg.startsWith('OPEN SERVER'))).toBe(false);
    expect(lines.some((l) => l.level === 40 && l.msg.includes('shorter than 32 characters'))).toBe(true);
  });

  it('the CLI says so once, as a warning right after its listening line', async () => {
    const child = spawn(process.execPath, [cli, '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await vi.waitFor(() => expect(out).toContain('\n'), { timeout: 10_000 });
    } finally {
      child.kill('SIGKILL');
    }
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: expect.stringMatching(/^OPEN SERVER: no appCertificate is set/) })]);
  });
});
