/**
 * The CLI, run as a real process from a private build of server/ (compiled once here, into
 * node_modules/.cache, so a parallel `npm run build` or a broken file elsewhere cannot interfere).
 */
import { PROTOCOL_VERSION } from '../../src/limits.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { findListening, type Listening } from '../support/listening.js';
import { RawClient } from './raw-client.js';

const repo = path.resolve(import.meta.dirname, '../..');
const buildDir = path.join(repo, 'node_modules/.cache/channel-link-server-test');
const outDir = path.join(buildDir, 'out');
const cli = path.join(outDir, 'server/cli.js');

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('CHANNEL_LINK_') || key === 'PORT') delete env[key];
  return { ...env, ...extra };
}

function runCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: repo, env: cleanEnv(env), encoding: 'utf8', timeout: 15_000 });
}

/** Starts the CLI and resolves with the port of its `listening` log line. */
function startCli(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number; listening: Listening }> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: repo, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no listening line; stdout: ${out} stderr: ${err}`));
    }, 10_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const listening = findListening(out);
      if (listening) {
        clearTimeout(timer);
        resolve({ child, port: listening.port, listening });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}; stdout: ${out} stderr: ${err}`));
    });
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

beforeAll(() => {
  mkdirSync(buildDir, { recursive: true });
  const rel = (p: string) => path.relative(buildDir, p);
  writeFileSync(
    path.join(buildDir, 'tsconfig.json'),
    JSON.stringify({
      extends: rel(path.join(repo, 'tsconfig.json')),
      compilerOptions: { outDir: './out', rootDir: rel(repo), declaration: false, sourceMap: false, noEmitOnError: false },
      files: [rel(path.join(repo, 'server/cli.ts')), rel(path.join(repo, 'server/index.ts'))],
      include: [],
    }),
  );
  const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(buildDir, 'tsconfig.json')], { cwd: repo, encoding: 'utf8' });
  if (!existsSync(cli)) throw new Error(`build failed: ${result.stdout}${result.stderr}`);
}, 120_000);

describe('channel-link-server CLI', () => {
  it('--help prints usage and exits 0', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--port');
    expect(r.stdout).toContain('CHANNEL_LINK_PEER_TIMEOUT_MS');
  });

  it.each([
    [['--port', 'abc'], {}, 'error INVALID_PARAMS: --port must be an integer 0-65535 (got "abc")'],
    [['--port', '70000'], {}, 'error INVALID_PARAMS: --port must be an integer 0-65535 (got "70000")'],
    [['--peer-timeout-ms', '-5'], {}, 'error INVALID_PARAMS: --peer-timeout-ms must be a positive integer of milliseconds (got "-5")'],
    [[], { CHANNEL_LINK_STREAM_TIMEOUT_MS: 'soon' }, 'error INVALID_PARAMS: CHANNEL_LINK_STREAM_TIMEOUT_MS must be a positive integer of milliseconds (got "soon")'],
    [['--log-level', 'loud'], {}, 'error INVALID_PARAMS: --log-level must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [['--static-dir', '/nonexistent/dir'], {}, 'error INVALID_PARAMS: --static-dir is not a directory: /nonexistent/dir'],
    [['--frobnicate'], {}, "error INVALID_PARAMS: unknown option '--frobnicate'"],
    // A stream cannot outlive its member.
    [['--peer-timeout-ms', '5000', '--stream-timeout-ms', '6000'], {}, 'error INVALID_PARAMS: --stream-timeout-ms (6000) must not be greater than --peer-timeout-ms (5000): a stream cannot outlive its member'],
    [['--stream-timeout-ms', '20000'], {}, 'error INVALID_PARAMS: --stream-timeout-ms (20000) must not be greater than the default peer timeout (10000): a stream cannot outlive its member'],
    [[], { CHANNEL_LINK_PEER_TIMEOUT_MS: '3000', CHANNEL_LINK_STREAM_TIMEOUT_MS: '4000' }, 'error INVALID_PARAMS: CHANNEL_LINK_STREAM_TIMEOUT_MS (4000) must not be greater than CHANNEL_LINK_PEER_TIMEOUT_MS (3000): a stream cannot outlive its member'],
    [[], { PORT: 'eighty' }, 'error INVALID_PARAMS: PORT must be an integer 0-65535 (got "eighty")'],
    [['--metrics-port', '-1'], {}, 'error INVALID_PARAMS: --metrics-port must be an integer 0-65535 (got "-1")'],
    [['--log-format', 'xml'], {}, 'error INVALID_PARAMS: --log-format must be json or pretty (got "xml")'],
  ] as [string[], Record<string, string>, string][])('%j %j → exit 2 with one error line', (args, env, line) => {
    const r = runCli(args, env);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.stdout).toBe('');
  });

  it('--version and -v print the package version; `help` is --help', () => {
    const version = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-v']) {
      const r = runCli([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
      expect(r.stderr).toBe('');
    }
    const help = runCli(['--help']);
    const viaCommand = runCli(['help']);
    expect(viaCommand.status).toBe(0);
    expect(viaCommand.stdout).toBe(help.stdout);
    expect(help.stdout).toContain('help [command]');
    expect(help.stdout).toContain('--version');
    const tokenHelp = runCli(['help', 'token']);
    expect(tokenHelp.status).toBe(0);
    expect(tokenHelp.stdout).toContain('Usage: channel-link-server token [options]');
  });

  it('takes the port from PORT when neither --port nor CHANNEL_LINK_PORT is given', async () => {
    const free = await freePort();
    const { child, port } = await startCli([], { PORT: String(free) });
    child.kill('SIGKILL');
    expect(port).toBe(free);
    const { child: second, port: fromFlag } = await startCli(['--port', '0'], { PORT: String(free) });
    second.kill('SIGKILL');
    expect(fromFlag).not.toBe(free);
  });

  it('--metrics / --metrics-port: the listening line says where to scrape', async () => {
    const { child, port, listening } = await startCli(['--port', '0', '--metrics']);
    try {
      expect(listening.record.metrics).toBe(`http://127.0.0.1:${port}/metrics`);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('# TYPE channel_link_connections gauge');
    } finally {
      child.kill('SIGKILL');
    }
    const { child: separate, port: mainPort, listening: own } = await startCli(['--port', '0'], { CHANNEL_LINK_METRICS_PORT: '0' });
    try {
      const url = own.record.metrics as string;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(url).not.toContain(`:${mainPort}/`);
      expect((await fetch(url)).status).toBe(200);
    } finally {
      separate.kill('SIGKILL');
    }
  });

  it('--port 0 logs the listening url, serves, and stops gracefully on SIGTERM (exit 0)', async () => {
    // The flag wins over the environment variable.
    const { child, port, listening } = await startCli(['--port', '0', '--peer-timeout-ms', '5000'], { CHANNEL_LINK_PORT: 'abc' });
    try {
      expect(port).toBeGreaterThan(0);
      expect(listening.record).toMatchObject({
        url: `ws://127.0.0.1:${port}`,
        http: `http://127.0.0.1:${port}`,
        health: `http://127.0.0.1:${port}/healthz`,
        peerTimeoutMs: 5000,
        streamTimeoutMs: 5000,
      });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const { client, joined } = await RawClient.joined(`ws://127.0.0.1:${port}`, { channel: 'cli', uid: 1 });
      expect(joined.uid).toBe(1);

      child.kill('SIGTERM');
      expect(await client.next('server-closing')).toEqual({ type: 'server-closing' });
      expect((await client.waitClosed()).code).toBe(1001);
      expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reads its settings from CHANNEL_LINK_* variables', async () => {
    const { child, port } = await startCli([], { CHANNEL_LINK_PORT: '0', CHANNEL_LINK_LOG_LEVEL: 'info', CHANNEL_LINK_HOST: '127.0.0.1' });
    try {
      expect(port).toBeGreaterThan(0);
      child.kill('SIGINT');
      expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('after close() a process exits by itself: no handle is left behind', async () => {
    const index = pathToFileURL(path.join(outDir, 'server/index.js')).href;
    const script = `
      import WebSocket from 'ws';
      import { startServer } from ${JSON.stringify(index)};
      const server = await startServer({ port: 0, logLevel: 'silent', joinTimeoutMs: 60000 });
      const ws = new WebSocket(server.url);
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'join', v: ${PROTOCOL_VERSION}, appId: 'a', channel: 'c', uid: 1, token: null, role: 'host', streams: ['s1'], subscriptions: [] }));
      await new Promise((r) => ws.once('message', r));
      const idle = new WebSocket(server.url);
      await new Promise((r) => idle.once('open', r));
      await server.close();
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    const exit = await exitOf(child);
    clearTimeout(timer);
    expect(err).toBe('');
    expect(out.trim()).toBe('closed');
    expect(exit).toEqual({ code: 0, signal: null });
  }, 15_000);
});
