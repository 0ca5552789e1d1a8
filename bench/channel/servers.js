// The servers of bench:channel, each in its own process, with what the run reads of them: the
// URL, and the CPU time the process has used (utime + stime from /proc).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { cpuSeconds } from '../peers/proc.js';
import { startServerProcess } from '../server-process.js';

/** Whatever ends this process (a failed step included) ends the servers it started too. */
function endWithUs(child) {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

/** channel-link's server: the CLI (bench/server-process.js) with `args`. */
export async function channelLinkServer(args = []) {
  const server = await startServerProcess(args);
  const pid = server.child.pid;
  endWithUs(server.child);
  return { url: server.url, cpu: () => cpuSeconds(pid), stop: server.stop };
}

const FLOORS = { naive: new URL('./naive-server.js', import.meta.url), floor: new URL('./floor-server.js', import.meta.url) };

/** One of the reference servers: 'naive' (per-event presence) or 'floor' (raw ws). */
export async function referenceServer(kind) {
  const child = fork(FLOORS[kind], [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  endWithUs(child);
  const [msg] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`${kind} server exited early (code ${code})`))),
  ]);
  return {
    url: `ws://127.0.0.1:${msg.port}`,
    cpu: () => cpuSeconds(child.pid),
    stop: () => {
      if (child.exitCode !== null) return Promise.resolve();
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/** CPU seconds `server` used while `run` ran, beside what `run` resolved with. */
export async function withCpu(server, run) {
  const before = server.cpu();
  const value = await run();
  return { value, cpu: server.cpu() - before };
}
