/**
 * `channel-link-server | head -1`: the reader of the server's stdout exits after one line (and
 * here its stderr's reader is gone from the start). The server must keep serving, log on into
 * the void, and exit 0 on SIGTERM. Real pipes, a real `head`, the built CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { findListening } from '../support/listening.js';
import { RawClient } from './raw-client.js';

const cli = path.resolve(import.meta.dirname, '../../dist/server/cli.js');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Resolves with the exit, or with 'still running' after `ms` (the wedge this test is about). */
function exitWithin(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), ms);
    void exitOf(child).then((exit) => {
      clearTimeout(timer);
      resolve(exit);
    });
  });
}

/** Starts the CLI with stdout into `head -n 1` and stderr into a pipe whose reader is then killed. */
async function startPiped(args: string[]): Promise<{ server: ChildProcess; firstLine: string }> {
  const head = spawn('head', ['-n', '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const errReader = spawn('cat', [], { stdio: ['pipe', 'ignore', 'inherit'] });
  children.push(head, errReader);
  const server = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', head.stdin!, errReader.stdin!] });
  children.push(server);
  // The server holds the write ends now; only head and cat hold the read ends.
  head.stdin!.destroy();
  errReader.stdin!.destroy();
  errReader.kill('SIGKILL');
  await exitOf(errReader);
  let firstLine = '';
  head.stdout!.on('data', (d: Buffer) => (firstLine += d.toString()));
  expect(await exitOf(head)).toEqual({ code: 0, signal: null });
  return { server, firstLine };
}

/** Makes the server log (a join at info, a bad frame at warn) and checks it still serves. */
async function expectServing(port: number): Promise<void> {
  const url = `ws://127.0.0.1:${port}`;
  const hostile = await RawClient.connect(url);
  hostile.sendRaw('not a frame');
  // A bad first frame refuses the join: a stop-range close.
  expect((await hostile.waitClosed()).code).toBe(4500);
  for (let uid = 1; uid <= 3; uid++) {
    const { client, joined } = await RawClient.joined(url, { channel: 'pipe', uid });
    expect(joined.uid).toBe(uid);
    client.terminate();
  }
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
}

describe('a stdout reader that goes away (channel-link-server | head -1)', () => {
  it('at the default log level: keeps serving, then exits 0 on SIGTERM', async () => {
    const { server, firstLine } = await startPiped(['--port', '0']);
    const listening = findListening(firstLine);
    expect(listening, firstLine).not.toBeNull();
    await expectServing(listening!.port);
    server.kill('SIGTERM');
    expect(await exitWithin(server, 10_000)).toEqual({ code: 0, signal: null });
  });

  it('at --log-level warn: no crash either, exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const { server, firstLine } = await startPiped(['--port', String(port), '--log-level', 'warn']);
    expect(JSON.parse(firstLine)).toMatchObject({ level: 40, msg: expect.stringMatching(/^OPEN SERVER/) });
    await expectServing(port);
    expect(server.exitCode).toBeNull();
    server.kill('SIGTERM');
    expect(await exitWithin(server, 10_000)).toEqual({ code: 0, signal: null });
  });
});
