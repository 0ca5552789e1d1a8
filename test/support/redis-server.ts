/**
 * A real redis-server for tests (Debian's package): started on a free port with persistence off
 * (`--save '' --appendonly no`), stopped by the test. `restart({ keepData })` stops it and starts
 * it again on the same port, with its data (saved on shutdown) or empty.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export const REDIS_SERVER = process.env.REDIS_SERVER || 'redis-server';

/** Null when redis-server is installed, else why not. */
export function redisMissing(): string | null {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `redis-server not found (install Debian's package: apt-get install -y redis-server, or set REDIS_SERVER)`;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stops it (SHUTDOWN SAVE with keepData, so a restart loads the data; otherwise SIGKILL). */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** Starts it again on the same port (after stop()). */
  start(): Promise<void>;
  /** Stops, then starts again. */
  restart(options?: { keepData?: boolean }): Promise<void>;
  /** Runs redis-cli against it and returns stdout. */
  cli(...args: string[]): string;
  /** Stops it for good and removes its folder. */
  close(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  // A free port can be taken by another process before redis-server binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOn(await freePort());
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Starts redis-server on `port` with `extraArgs` after the defaults (a Redis Cluster shard: test/support/redis-cluster.ts). */
export async function startRedisOn(port: number, extraArgs: readonly string[] = []): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'channel-link-redis-'));
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const proc = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'dump.rdb', '--protected-mode', 'no', ...extraArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out = (out + d).slice(-8192);
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (code ${code}):\n${out}`));
      });
    });
    proc.removeAllListeners('exit');
  };

  const stop = async ({ keepData = false } = {}): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    if (keepData) spawnSync('redis-cli', ['-p', String(port), 'SHUTDOWN', 'SAVE']);
    else {
      rmSync(path.join(dir, 'dump.rdb'), { force: true });
      proc.kill('SIGKILL');
    }
    await exited;
    child = null;
  };

  await start();
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async restart(options) {
      await stop(options);
      await start();
    },
    cli: (...args) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  process.once('exit', () => (child as ChildProcess | null)?.kill('SIGKILL'));
  return server;
}
