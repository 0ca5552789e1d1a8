// Counts what Redis runs while it is watched with MONITOR (redis-cli): the commands clients sent
// (a script's EVALSHA included) apart from those a script ran with redis.call(), which MONITOR
// shows as coming from "lua". INFO commandstats cannot tell them apart: it counts both, each
// under its own name. MONITOR slows Redis down, so it is kept out of timed measurements.
import { spawn } from 'node:child_process';
import { sleep } from './measure.js';

/** The bench's own INFO commandstats reads are no command of the cluster. */
const IGNORED = new Set(['info']);

export async function monitorRedis(port) {
  const child = spawn('redis-cli', ['-p', String(port), 'monitor'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const counts = { sent: 0, inner: 0, lines: 0 };
  let rest = '';
  let ready;
  const started = new Promise((resolve) => (ready = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      counts.lines++;
      if (line.trim() === 'OK') ready();
      // 1700000000.123456 [0 127.0.0.1:51234] "evalsha" ...   or   [0 lua] "HSET" ...
      const m = /^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
      if (!m || IGNORED.has(m[2].toLowerCase())) continue;
      if (m[1] === 'lua') counts.inner++;
      else counts.sent++;
    }
  });
  await started;
  return {
    /**
     * Waits until the stream is down to a trickle (MONITOR lags behind; the nodes' liveness
     * heartbeats never stop), then stops.
     */
    async stop() {
      for (let seen = -Infinity; counts.lines - seen >= 10; ) {
        seen = counts.lines;
        await sleep(300);
      }
      child.kill();
      return { sent: counts.sent, inner: counts.inner };
    },
  };
}
