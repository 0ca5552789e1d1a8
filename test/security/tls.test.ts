/**
 * TLS: with a certificate and key the server speaks wss:// and https:// only. A self-signed
 * certificate for 127.0.0.1/localhost is generated here with the openssl CLI.
 */
import { PROTOCOL_VERSION } from '../../src/limits.js';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ChannelLinkServer } from '../../server/index.js';
import { findListening, type Listening } from '../support/listening.js';

const repo = path.resolve(import.meta.dirname, '../..');
let dir: string;
let certFile: string;
let keyFile: string;
let cert: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'channel-link-tls-'));
  certFile = path.join(dir, 'cert.pem');
  keyFile = path.join(dir, 'key.pem');
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
  ], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed (is it installed?): ${r.stderr}`);
  cert = readFileSync(certFile, 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function request(get: typeof httpsGet | typeof httpGet, url: string, options: object = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, options, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function openWs(url: string, options: WebSocket.ClientOptions): Promise<'open' | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message));
  });
}

describe('TLS', () => {
  let server: ChannelLinkServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, logLevel: 'silent', tlsCert: certFile, tlsKey: keyFile });
  });
  afterAll(async () => server.close());

  it('serves wss:// and https://: /healthz over https, a join over wss (certificate checked against the CA)', async () => {
    expect(server.url).toBe(`wss://127.0.0.1:${server.port}`);
    expect(await request(httpsGet, `https://127.0.0.1:${server.port}/healthz`, { ca: cert })).toEqual({ status: 200, body: '{"ok":true}' });
    const ws = new WebSocket(server.url, { ca: cert });
    const joined = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ type: 'join', v: PROTOCOL_VERSION, appId: 'a', channel: 'tls', uid: 1, token: null, role: 'host', streams: [], subscriptions: [] })));
      ws.once('message', (data) => resolve(JSON.parse(data.toString()) as Record<string, unknown>));
      ws.once('error', reject);
    });
    expect(joined).toMatchObject({ type: 'joined', uid: 1 });
    ws.terminate();
  });

  it('a client that does not trust the certificate cannot connect; plain ws:// and http:// get nowhere', async () => {
    expect(await openWs(server.url, {})).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(await openWs(server.url, { rejectUnauthorized: false })).toBe('open');
    expect(await openWs(`ws://127.0.0.1:${server.port}`, {})).not.toBe('open');
    await expect(request(httpGet, `http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });

  it('a TCP connection that never completes the TLS handshake is cut off after the join timeout', async () => {
    const s = await startServer({ port: 0, logLevel: 'silent', tlsCert: certFile, tlsKey: keyFile, joinTimeoutMs: 500 });
    try {
      const started = Date.now();
      const socket = net.connect(s.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume();
      await new Promise((resolve) => socket.once('close', resolve));
      expect(Date.now() - started).toBeLessThan(3000); // handshakeTimeout = max(1000, joinTimeoutMs)
    } finally {
      await s.close();
    }
  });

  it('accepts the PEM text itself as well as a path', async () => {
    const s = await startServer({ port: 0, logLevel: 'silent', tlsCert: cert, tlsKey: readFileSync(keyFile) });
    try {
      expect(await openWs(s.url, { ca: cert })).toBe('open');
    } finally {
      await s.close();
    }
  });

  it.each([
    ['a certificate without a key', () => ({ tlsCert: certFile })],
    ['a key without a certificate', () => ({ tlsKey: keyFile })],
    ['a missing file', () => ({ tlsCert: path.join(dir, 'nope.pem'), tlsKey: keyFile })],
    ['a key that is not PEM', () => ({ tlsCert: certFile, tlsKey: certFile })],
  ])('refuses %s at startup (INVALID_PARAMS)', async (_name, make) => {
    await expect(startServer({ port: 0, logLevel: 'silent', ...make() })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('the CLI: --tls-cert / --tls-key log a wss:// url that serves https /healthz and wss joins', async () => {
    const child = spawn(process.execPath, [path.join(repo, 'dist/server/cli.js'), '--port', '0', '--tls-cert', certFile, '--tls-key', keyFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const listening = await new Promise<Listening>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const found = findListening(out);
          if (found) resolve(found);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(listening.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
      expect(listening.record).toMatchObject({ http: `https://127.0.0.1:${listening.port}`, tls: true });
      const port = listening.port;
      expect((await request(httpsGet, `https://127.0.0.1:${port}/healthz`, { ca: cert })).status).toBe(200);
      expect(await openWs(`wss://127.0.0.1:${port}`, { ca: cert })).toBe('open');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the SDK in Node connects over wss:// when the process trusts the CA (NODE_EXTRA_CA_CERTS); no SDK option needed', async () => {
    const script = `
      import { createClient } from 'channel-link';
      const c = createClient({ url: ${JSON.stringify(server.url)}, joinTimeoutMs: 5000 });
      try { console.log('uid', await c.join(null, 'tls-sdk', 7)); } catch (e) { console.log('failed', e.code); }
      await c.destroy();`;
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', () => resolve(out.trim()));
      });
    expect(await run({ NODE_EXTRA_CA_CERTS: certFile })).toBe('uid 7');
  }, 20_000);
});
