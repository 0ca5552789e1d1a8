// Capacity: the server's CPU and RSS per connection with N idle clients (1 Hz heartbeats, channels of 10).
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuPercent, cpuReading } from './proc.js';
import { startCrowd, startPeerServer } from './processes.js';

/**
 * One measurement: a fresh server, its RSS with 0 clients (after a full GC), `size` clients joined,
 * `settleS` to settle, a full GC, CPU (utime + stime) over `windowS`, then RSS again (after a full GC).
 */
export async function measureCapacity(system, size, o) {
  o.redis?.flush();
  const server = await startPeerServer({ system: system.server, dist: system.dist, redisUrl: system.redis ? o.redis.url : undefined });
  let crowd;
  try {
    const rss0 = await server.rss();
    const joinStarted = performance.now();
    crowd = await startCrowd({
      system: system.server,
      url: server.url,
      count: size,
      processes: o.crowdProcesses,
      channelSize: 10,
      heartbeat: system.heartbeat,
      protocolVersion: system.protocolVersion,
      prefix: `c${Date.now().toString(36)}`,
    });
    const joinS = (performance.now() - joinStarted) / 1000;
    if (crowd.joined !== size) throw new Error(`${system.label}: only ${crowd.joined} of ${size} clients joined`);
    await sleep(o.settleS * 1000);
    // The joins leave garbage behind (more for some systems than others): a full GC now, so the
    // window measures the steady state, not the collection of the join phase.
    await server.rss();
    await sleep(1000);
    const before = cpuReading(server.pid);
    await sleep(o.windowS * 1000);
    const cpu = cpuPercent(before, cpuReading(server.pid));
    if (crowd.failed() > 0) throw new Error(`${system.label} at ${size}: the server ended clients of the crowd during the measurement`);
    const rss1 = await server.rss();
    return { cpu, rss0, rss1, perConn: (rss1 - rss0) / size, joinS };
  } finally {
    // The server goes first: its side of each socket closes first, so the crowds' ports are free at once.
    await server.kill();
    await crowd?.stop();
    await sleep(500);
  }
}
