// Runs the channel-link server CLI in a child process, so tests can kill,
// restart or SIGSTOP a real server independently of the test process.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findListening } from './listening.js';

export const DEFAULT_CLI = new URL('../../dist/server/cli.js', import.meta.url);

export interface ServerProcessOptions {
  /** Extra CLI args, appended after `--port 0 --host 127.0.0.1 --log-level info` (info: the `listening` line is how we learn the port). */
  args?: string[];
  /** Merged over process.env. */
  env?: NodeJS.ProcessEnv;
  /** Script to run instead of dist/server/cli.js (e.g. a fixture). */
  script?: string | URL;
  /** Default 10 000. */
  startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL in stop(). Default 3000. */
  killAfterMs?: number;
}

export interface ServerProcess {
  url: string;
  host: string;
  port: number;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after killAfterMs; resolves once the child exited. */
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): boolean;
}

const MAX_STDERR = 64 * 1024;

export function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const script = options.script ?? DEFAULT_CLI;
  const scriptPath = script instanceof URL ? fileURLToPath(script) : script;
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const killAfterMs = options.killAfterMs ?? 3000;
  const child = spawn(
    process.execPath,
    [scriptPath, '--port', '0', '--host', '127.0.0.1', '--log-level', 'info', ...(options.args ?? [])],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );

  // Keep draining both pipes for the child's whole life: a full pipe would block it.
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-MAX_STDERR);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.once('error', () => resolve()); // spawn failure: 'exit' may never come
    }
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      await exited;
      clearTimeout(t);
    }
  };

  return new Promise<ServerProcess>((resolve, reject) => {
    let buf = '';
    let ready = false;
    const fail = (why: string): void => {
      if (ready) return;
      ready = true; // settle once
      clearTimeout(timer);
      void stop();
      reject(new Error(`server process ${why}\n--- stderr ---\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`did not log "listening" within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (err) => fail(`failed to spawn: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited before listening (code ${code}, signal ${signal})`));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (ready) return;
      buf += d;
      const listening = findListening(buf);
      if (listening) {
        ready = true;
        clearTimeout(timer);
        const { host, port } = listening;
        resolve({ url: `ws://${host}:${port}`, host, port, child, stop, kill: (s) => child.kill(s) });
      } else {
        buf = buf.slice(buf.lastIndexOf('\n') + 1).slice(-64 * 1024); // keep the unfinished line only; bound memory
      }
    });
  });
}
