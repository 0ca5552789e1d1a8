/**
 * What an operator ships: the CLI's output is one format (JSON lines by default, human-readable
 * with --log-format pretty or on a terminal), each event once and in order, with stable fields;
 * and an embedded server writes nothing but through the logger or level it was given.
 */
import { PROTOCOL_VERSION } from '../../src/limits.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { findListening } from '../support/listening.js';
import { waitFor } from '../support/wait-for.js';
import { RawClient } from './raw-client.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/server/cli.js');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

const until = (condition: () => boolean, message: string) => waitFor(condition, { timeoutMs: 10_000, intervalMs: 20, message });

const STABLE_FIELDS = ['level', 'time', 'pid', 'hostname', 'component', 'msg'];

describe('the CLI log', () => {
  it('is JSON lines, every event once and in order, from listening to closed', async () => {
    const server = run(['--port', '0']);
    await until(() => findListening(server.stdout()) !== null, 'the listening line');
    const { port } = findListening(server.stdout())!;
    const { client } = await RawClient.joined(`ws://127.0.0.1:${port}`, { channel: 'logs', uid: 1 });
    await until(() => server.stdout().includes('"msg":"joined"'), 'the joined line');
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    client.terminate();

    expect(server.stderr()).toBe('');
    const lines = server.stdout().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of lines) for (const field of STABLE_FIELDS) expect(line, JSON.stringify(line)).toHaveProperty(field);
    const events = lines.map((l) => (String(l.msg).startsWith('OPEN SERVER') ? 'OPEN SERVER' : String(l.msg).startsWith('not enabled') ? 'not enabled' : l.msg));
    expect(events).toEqual(['listening', 'OPEN SERVER', 'not enabled', 'joined', 'signal received', 'shutting down', 'closed']);
    expect(lines[0]).toMatchObject({ level: 30, component: 'channel-link-server', url: `ws://127.0.0.1:${port}`, metrics: null });
    expect(lines[1]).toMatchObject({ level: 40 });
    expect(lines[2]).toMatchObject({ level: 30 });
    expect(lines[4]).toMatchObject({ signal: 'SIGTERM' });
    expect(lines[5]).toMatchObject({ sockets: 1 });
  });

  it('--log-level warn: only warnings and worse', async () => {
    const server = run(['--port', '0', '--log-level', 'warn']);
    await until(() => server.stdout().includes('\n'), 'the first line');
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    const lines = server.stdout().trimEnd().split('\n').map((line) => JSON.parse(line) as { level: number });
    expect(lines.map((l) => l.level)).toEqual([40]);
  });

  it('--log-format pretty (or CHANNEL_LINK_LOG_FORMAT): human-readable lines, no JSON', async () => {
    for (const [args, env] of [[['--log-format', 'pretty'], {}], [[], { CHANNEL_LINK_LOG_FORMAT: 'pretty' }]] as const) {
      const server = run(['--port', '0', ...args], env);
      await until(() => /WARN.*OPEN SERVER/.test(server.stdout()), 'the open-server warning');
      server.child.kill('SIGTERM');
      expect(await server.exit).toBe(0);
      const out = server.stdout();
      expect(out).toMatch(/INFO.*: listening\n\s+url: "ws:\/\/127\.0\.0\.1:\d+"/);
      expect(out).toMatch(/INFO.*: closed/);
      for (const line of out.trimEnd().split('\n')) expect(() => JSON.parse(line)).toThrow();
    }
  });

  it('on a terminal the default is human-readable (pretty)', () => {
    // `script` gives the CLI a pseudo-terminal as stdout; the server stops itself once it has said it listens.
    const stopSoon = [
      `process.argv.splice(1, Infinity, 'channel-link-server', '--port', '0');`,
      `const write = process.stdout.write.bind(process.stdout);`,
      `process.stdout.write = (chunk, ...rest) => { const done = write(chunk, ...rest); if (String(chunk).includes('listening')) process.kill(process.pid, 'SIGTERM'); return done; };`,
      `await import(${JSON.stringify(pathToFileURL(cli).href)});`,
    ].join(' ');
    const r = spawnSync('script', ['-qec', `${process.execPath} --input-type=module -e "${stopSoon.replace(/"/g, '\\"')}"`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/INFO.*listening/);
    expect(r.stdout).not.toContain('"msg":"listening"');
  });

  it('refuses an unknown --log-format', () => {
    const r = spawnSync(process.execPath, [cli, '--log-format', 'xml'], { encoding: 'utf8', timeout: 15_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error INVALID_PARAMS: --log-format must be json or pretty (got "xml")\n');
  });
});

describe('an embedded server', () => {
  /** Runs `body` after `startServer` is imported, in a process of its own; returns its stdout and stderr. */
  function embedded(body: string): { stdout: string; stderr: string; status: number | null } {
    const index = pathToFileURL(path.join(repo, 'dist/server/index.js')).href;
    const script = `
      import { Writable } from 'node:stream';
      import pino from 'pino';
      import WebSocket from 'ws';
      import { startServer } from ${JSON.stringify(index)};
      const sink = [];
      const logger = pino({ level: 'debug' }, new Writable({ write(c, _e, done) { sink.push(...c.toString().trim().split('\\n').map((l) => JSON.parse(l))); done(); } }));
      async function joinOnce(url) {
        const ws = new WebSocket(url);
        await new Promise((r) => ws.once('open', r));
        ws.send(JSON.stringify({ type: 'join', v: ${PROTOCOL_VERSION}, appId: 'a', channel: 'c', uid: 1, token: null, role: 'host', streams: [], subscriptions: [] }));
        await new Promise((r) => ws.once('message', r));
        ws.terminate();
      }
      ${body}
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 15_000 });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  }

  it('with { logger }: every line goes to that logger, none to stdout', () => {
    const r = embedded(`
      const server = await startServer({ port: 0, logger });
      await joinOnce(server.url);
      await server.close();
      process.stderr.write(JSON.stringify(sink.map((l) => l.msg.startsWith('OPEN SERVER') ? 'OPEN SERVER' : l.msg.startsWith('not enabled') ? 'not enabled' : l.msg)));
    `);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const msgs = JSON.parse(r.stderr) as string[];
    expect(msgs.slice(0, 4)).toEqual(['listening', 'OPEN SERVER', 'not enabled', 'joined']);
    expect(msgs.filter((m) => m === 'shutting down')).toHaveLength(1);
    expect(msgs.indexOf('shutting down')).toBeLessThan(msgs.indexOf('closed'));
    expect(msgs.at(-1)).toBe('closed');
  });

  it('with { logger } at warn: the logger\'s own level rules (logLevel is for the default logger)', () => {
    const r = embedded(`
      const server = await startServer({ port: 0, logger: logger.child({}, { level: 'warn' }), logLevel: 'debug' });
      await joinOnce(server.url);
      await server.close();
      process.stderr.write(JSON.stringify(sink.map((l) => l.level)));
    `);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual([40]);
  });

  it.each([
    ['silent', []],
    ['warn', [40]],
  ])('with { logLevel: %j }: stdout has exactly the lines of that level', (level, levels) => {
    const r = embedded(`
      const server = await startServer({ port: 0, logLevel: ${JSON.stringify(level)} });
      await joinOnce(server.url);
      await server.close();
    `);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { level: number });
    expect(lines.map((l) => l.level)).toEqual(levels);
  });
});
