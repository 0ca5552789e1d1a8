/**
 * The CLI when it may not listen where it is told (a port taken by another process, a privileged
 * port, a host this machine does not have): one `error INVALID_PARAMS: ...` line on stderr naming
 * the host and port, exit code 2, and no log record with a stack trace. Real sockets; runs the
 * built CLI (`npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/server/cli.js');

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('CHANNEL_LINK_') || key === 'PORT') delete env[key];
  return env;
}

/** Runs the CLI to its end (it must not start); `asUser` runs it as an unprivileged user when this test runs as root. */
function runCli(args: string[], asUser = false) {
  const command = [process.execPath, cli, ...args];
  const unprivileged = asUser && process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...command] : command;
  return spawnSync(unprivileged[0]!, unprivileged.slice(1), { cwd: repo, env: cleanEnv(), encoding: 'utf8', timeout: 15_000 });
}

const occupied: Server[] = [];
/** A port another listener holds on 127.0.0.1. */
async function busyPort(): Promise<number> {
  const server = createServer();
  occupied.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}
afterEach(async () => {
  await Promise.all(occupied.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
});

/** Asserts the one-line refusal: exit 2, that line alone on stderr, no fatal log record. */
function expectRefusal(result: ReturnType<typeof runCli>, line: string): void {
  expect(result.stderr).toBe(`error INVALID_PARAMS: ${line}\n`);
  expect(result.status).toBe(2);
  expect(result.stdout).not.toMatch(/"level":60|stack/);
}

describe('channel-link-server where it may not listen', () => {
  it('a port in use: one line with the host and port, exit 2', async () => {
    const port = await busyPort();
    expectRefusal(runCli(['--port', String(port)]), `cannot listen on 127.0.0.1:${port}: port ${port} is already in use by another process (stop it, or choose another port)`);
  });

  it('a metrics port in use: the same line, naming that port', async () => {
    const port = await busyPort();
    expectRefusal(runCli(['--port', '0', '--metrics-port', String(port)]), `cannot listen on 127.0.0.1:${port}: port ${port} is already in use by another process (stop it, or choose another port)`);
  });

  it('a privileged port, as an unprivileged user: one line, exit 2', () => {
    // Ports below this one need CAP_NET_BIND_SERVICE (Linux; 1024 unless the host lowered it).
    const unprivilegedStart = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    if (!(unprivilegedStart > 0)) throw new Error('this host has no privileged ports (net.ipv4.ip_unprivileged_port_start is 0): the case cannot be set up');
    const port = unprivilegedStart - 1;
    expectRefusal(
      runCli(['--port', String(port)], true),
      `cannot listen on 127.0.0.1:${port}: port ${port} needs privileges this process does not have (ports below 1024 usually do; choose one from 1024 up)`,
    );
  });

  it('a host that is no address of this machine: one line, exit 2', () => {
    // 192.0.2.0/24 is reserved for documentation: no machine has it.
    expectRefusal(runCli(['--port', '0', '--host', '192.0.2.1']), 'cannot listen on 192.0.2.1: 192.0.2.1 is not an address of this machine (choose another host)');
  });
});
