// npm run bench:channel — large channels: roles and batched presence (docs/behaviour.md, Roles
// and large channels), each figure beside its floor or target in one table (docs/benchmarks.md,
// Large channels). Clients are raw protocol clients in child processes (./channel/crowd.js),
// 1 Hz heartbeats, 50 joins in flight; every server is a process of its own.
//  (a) join storm: N hosts join one channel, against a naive per-event server; SDK clients too
//  (b) 10,000 audience + 5 hosts on one node: joins/s, idle CPU against raw ws, latencies
//  (c) fan-out: one host at 20 msg/s to 5,000 subscribed audience members, against raw ws
//  (d) 15,000 audience over 3 nodes on Redis: joins/s and Redis commands per join
//
// Env: PARTS (a,b,c,d) HOSTS (1000,3000) SDK_CLIENTS (1000; 0: none) AUDIENCE (10000)
//      ROUNDS (5: peer-online rounds of b) MESSAGES (20) RATE (2 msg/s: the messages of b)
//      FANOUT (5000) FANOUT_RATE (20) CLUSTER_AUDIENCE (15000) WINDOW_S (10) SETTLE_S (3)
//      STEP_TIMEOUT_S (600: the longest any step may take)
// e.g. a quick run: PARTS=a,b HOSTS=300 SDK_CLIENTS=100 AUDIENCE=1000 WINDOW_S=3 npm run bench:channel
import os from 'node:os';
import { audienceNode } from './channel/audience.js';
import { clusterAudience } from './channel/cluster-audience.js';
import { fanOut } from './channel/fan-out.js';
import { joinStorm } from './channel/join-storm.js';
import { printTable } from './channel/report.js';
import { busyLoopShare, loadavg, softnetDrops } from './peers/proc.js';

const list = (name, fallback) => (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
const count = (name, fallback, min = 1) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min} (got ${process.env[name]})`);
  return value;
};
const o = {
  parts: list('PARTS', 'a,b,c,d'),
  hosts: list('HOSTS', '1000,3000').map(Number),
  sdkClients: count('SDK_CLIENTS', 1000, 0),
  audience: count('AUDIENCE', 10_000),
  rounds: count('ROUNDS', 5),
  messages: count('MESSAGES', 20),
  rate: count('RATE', 2),
  fanout: count('FANOUT', 5000),
  fanoutRate: count('FANOUT_RATE', 20),
  clusterAudience: count('CLUSTER_AUDIENCE', 15_000),
  windowS: count('WINDOW_S', 10),
  settleS: count('SETTLE_S', 3, 0),
};
if (o.hosts.some((n) => !(Number.isInteger(n) && n >= 2))) throw new Error('HOSTS must be a comma-separated list of integers >= 2');
const PARTS = { a: joinStorm, b: audienceNode, c: fanOut, d: clusterAudience };
for (const p of o.parts) if (!PARTS[p]) throw new Error(`PARTS: unknown part "${p}" (a, b, c, d)`);

const log = (line) => process.stderr.write(`${line}\n`);
const started = Date.now();
const machine = () => `load (1/5/15 min) ${loadavg()}, a busy loop got ${busyLoopShare().toFixed(0)} % of a core`;
const atStart = machine();
const drops0 = softnetDrops();
log(`bench:channel — node ${process.version}, ${os.cpus().length} cores, ${atStart}; parts ${o.parts.join(', ')}`);
const rows = [];
for (const p of o.parts) {
  const before = softnetDrops();
  rows.push(...(await PARTS[p](o, log)));
  if (before !== null && softnetDrops() > before) log(`  (${p}) the kernel dropped ${softnetDrops() - before} packets from its input backlog meanwhile`);
}
const drops = drops0 === null ? null : softnetDrops() - drops0;
printTable(
  rows,
  `bench:channel — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus().length} cores; ` +
    `at start ${atStart}; at end ${machine()}; ${((Date.now() - started) / 60000).toFixed(1)} min` +
    (drops ? `\nthe kernel dropped ${drops} packets from its input backlog during the run (loopback overflow: TCP resent them late; see docs/benchmarks.md, Large channels)` : ''),
);
// Crowds and servers are child processes, stopped by each part: nothing should be left, but a
// stray handle must not keep the run from ending.
process.exit(0);
