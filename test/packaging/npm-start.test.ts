/**
 * `npm install && npm start`: installing builds nothing (no install-time script), `npm start`
 * compiles once, then serves; its port comes from PORT or from `npm start -- --port N`; stopping
 * npm (SIGTERM) stops the server and frees the port. The serving part of the start script is run
 * here as npm runs it (`sh -c "<script> <args>"`), from a folder holding the built dist/ and a
 * demo/dist, so the test does not rebuild the repo; the SIGTERM case runs the whole script with
 * npm itself, there, with its two build scripts replaced by no-ops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { findListening, type Listening } from '../support/listening.js';
import { ROOT } from '../support/tarball.js';
import { waitFor } from '../support/wait-for.js';

const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const startScript = scripts.start!;
const steps = startScript.split('&&').map((step) => step.trim());
let cwd = '';

beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'channel-link-start-'));
  await symlink(path.join(ROOT, 'dist'), path.join(cwd, 'dist'));
  await mkdir(path.join(cwd, 'demo/dist'), { recursive: true });
  await writeFile(path.join(cwd, 'demo/dist/index.html'), '<!doctype html><p>the demo</p>');
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** sh may not exec its command: signal the whole process group (sh and the server under it). */
const started: ChildProcess[] = [];
function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}
afterEach(() => {
  for (const child of started.splice(0)) stop(child, 'SIGKILL');
});

/** Runs the start script's last step as npm would, with `args` appended; resolves at its listening line. */
async function serve(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; listening: Listening }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(childEnv)) if (key.startsWith('CHANNEL_LINK_') || key === 'PORT') delete childEnv[key];
  Object.assign(childEnv, env);
  const child = spawn('sh', ['-c', [steps.at(-1), ...args].join(' ')], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => findListening(out) !== null || child.exitCode !== null, { timeoutMs: 10_000, message: 'the listening line' });
  const listening = findListening(out);
  if (!listening) throw new Error(`no listening line: ${out}`);
  return { child, listening };
}

describe('npm start', () => {
  it('compiles once: one build step in start, none at install', () => {
    expect(steps.filter((step) => step === 'npm run build')).toHaveLength(1);
    expect(steps).toContain('npm run build:demo');
    // exec: the shell becomes the server, so a signal to npm reaches the server itself.
    expect(steps.at(-1)).toMatch(/^exec node dist\/server\/cli\.js /);
    expect(steps.at(-1)).not.toContain('--port'); // else it would override PORT
    for (const name of ['prepare', 'preinstall', 'install', 'postinstall']) expect(scripts).not.toHaveProperty(name);
  });

  it('takes the port from PORT, serves the demo and /healthz', async () => {
    const port = await freePort();
    const { child, listening } = await serve([], { PORT: String(port) });
    try {
      expect(listening.port).toBe(port);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toContain('the demo');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      stop(child);
    }
  });

  it('`npm start -- --port N` wins over PORT', async () => {
    const envPort = await freePort();
    let flagPort = await freePort();
    while (flagPort === envPort) flagPort = await freePort();
    const { child, listening } = await serve(['--port', String(flagPort)], { PORT: String(envPort) });
    stop(child);
    expect(listening.port).toBe(flagPort);
  });

  it('SIGTERM to `npm start` stops the server: the port is free and no server process remains', async () => {
    // The whole start script, run by npm; `npm run build` and `npm run build:demo` do nothing here.
    await writeFile(
      path.join(cwd, 'package.json'),
      JSON.stringify({ name: 'start-app', version: '1.0.0', private: true, scripts: { build: 'true', 'build:demo': 'true', start: startScript } }),
    );
    const port = await freePort();
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(childEnv)) if (key.startsWith('CHANNEL_LINK_') || key.startsWith('npm_')) delete childEnv[key];
    childEnv.PORT = String(port);
    const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['start'], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    started.push(npm);
    let out = '';
    npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => findListening(out) !== null || npm.exitCode !== null, { timeoutMs: 20_000, message: 'the listening line of npm start' });
    const listening = findListening(out);
    if (!listening) throw new Error(`npm start printed no listening line: ${out}`);
    expect(listening.port).toBe(port);
    const serverPid = listening.record.pid;
    expect(typeof serverPid).toBe('number');
    expect(serverPid).not.toBe(npm.pid);
    expect(alive(serverPid as number)).toBe(true);

    process.kill(npm.pid!, 'SIGTERM'); // npm only, as a terminal's or a supervisor's stop would
    await waitFor(() => !alive(serverPid as number), { timeoutMs: 10_000, message: `the server process (pid ${serverPid}) to end` });
    await waitFor(() => npm.exitCode !== null || npm.signalCode !== null, { timeoutMs: 10_000, message: 'npm to exit' });
    expect(await canListen(port)).toBe(true);
    expect(out).toContain('"msg":"closed"'); // a graceful close, not a kill
  }, 40_000);
});

/** Whether a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `port` on 127.0.0.1 can be listened on now (nothing holds it). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
