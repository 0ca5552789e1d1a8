// What the kernel says about a process: CPU time (utime + stime, /proc/<pid>/stat) and the load.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat (getconf CLK_TCK; 100 on Linux almost always). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds the process has used so far (user + system, every thread). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLK_TCK;
}

/** % of one core the process used between two readings. */
export function cpuPercent(before, after) {
  return ((after.cpu - before.cpu) / ((after.at - before.at) / 1000)) * 100;
}

export function cpuReading(pid) {
  return { cpu: cpuSeconds(pid), at: performance.now() };
}

export function loadavg() {
  return os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

/** The open-files limit of this process (what `ulimit -n` says; children inherit it). */
export function openFilesLimit() {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const m = /Max open files\s+(\d+)\s+(\d+|unlimited)/.exec(limits);
    return m ? { soft: Number(m[1]), hard: m[2] } : null;
  } catch {
    return null;
  }
}

/**
 * Packets the kernel dropped from its per-CPU input backlog so far (/proc/net/softnet_stat,
 * second column): on loopback, thousands of sockets written at once on a busy machine overflow it
 * (net.core.netdev_max_backlog) and TCP resends after 200 ms or more. Null where unreadable.
 */
export function softnetDrops() {
  try {
    return readFileSync('/proc/net/softnet_stat', 'utf8')
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + parseInt(line.trim().split(/\s+/)[1], 16), 0);
  } catch {
    return null;
  }
}

/**
 * The share of one core a busy loop of `ms` got (CPU time over wall time, in %): about 100 on an
 * idle machine, less when other processes, or a virtual machine's host, take the core away.
 */
export function busyLoopShare(ms = 300) {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < ms) {
    // spinning on purpose
  }
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) / 1000 / (performance.now() - start)) * 100;
}
