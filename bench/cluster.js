// npm run bench:cluster — the cluster on Redis against one node without it, on this machine.
//  (a) peer-online latency: join() on one node -> 'peer-online' seen on another, JOINS joins
//  (b) message latency: publisher on one node, subscriber on another, MESSAGES at RATE msg/s
//  (c) Redis commands per second: no client, IDLE idle clients on 2 nodes, and under churn
// Every node is the server CLI in its own process; the SDK clients run their engine on worker_threads.
import { fork } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startRedis } from './redis.js';
import { startServerProcess } from './server-process.js';
import { messageLatency, peerOnlineLatency } from './sdk-latency.js';
import { row } from './stats.js';

const JOINS = Number(process.env.JOINS ?? 300);
const MESSAGES = Number(process.env.MESSAGES ?? 10_000);
const RATE = Number(process.env.RATE ?? 1000);
const IDLE = Number(process.env.IDLE ?? 10_000);
const CHURN = Number(process.env.CHURN ?? 20);
const WINDOW_MS = Number(process.env.WINDOW_MS ?? 10_000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Idle raw clients in child processes (bench/idle-crowd.js), spread over `urls`. */
async function idleCrowd(urls, count, churnPerSecond = 0) {
  const perProcess = 2500;
  const children = [];
  for (let first = 0; first < count || (churnPerSecond && children.length === 0); first += perProcess) {
    const n = Math.min(perProcess, count - first);
    const child = fork(new URL('./idle-crowd.js', import.meta.url), [], {
      env: { ...process.env, IDLE: JSON.stringify({ urls, count: n, firstUid: first + 1 + (churnPerSecond ? 1e6 : 0), channelSize: 10, prefix: 'idle', churnPerSecond }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    await new Promise((resolve) => child.on('message', (m) => m.type === 'ready' && resolve()));
  }
  return { stop: () => Promise.all(children.map((c) => new Promise((resolve) => (c.once('exit', resolve), c.send({ type: 'stop' }))))) };
}

async function commandsPerSecond(redis) {
  const before = redis.commands();
  const started = performance.now();
  await sleep(WINDOW_MS);
  return ((redis.commands() - before) * 1000) / (performance.now() - started);
}

const nodeArgs = (redis, prefix) => ['--redis-url', redis.url, '--redis-prefix', prefix];

async function main() {
  console.log(`channel-link cluster benchmark — node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const redis = await startRedis();

  // One node without Redis: the reference.
  const single = await startServerProcess();
  const singleJoin = await peerOnlineLatency({ observerUrl: single.url, joinerUrl: single.url, joins: JOINS });
  const singleMsg = await messageLatency({ pubUrl: single.url, subUrl: single.url, messages: MESSAGES, rate: RATE });
  await single.stop();

  // Three nodes on Redis: observer and joiner (publisher and subscriber) on different nodes.
  const nodes = await Promise.all([0, 1, 2].map(() => startServerProcess(nodeArgs(redis, 'lat:'))));
  const crossJoin = await peerOnlineLatency({ observerUrl: nodes[0].url, joinerUrl: nodes[1].url, joins: JOINS });
  const crossMsg = await messageLatency({ pubUrl: nodes[0].url, subUrl: nodes[2].url, messages: MESSAGES, rate: RATE });
  await Promise.all(nodes.map((n) => n.stop()));

  console.log('                                             one node (memory)            3 nodes on Redis, members on different nodes');
  console.log(row('(a) peer-online latency', singleJoin));
  console.log(row('    ... cross-node', crossJoin), crossJoin.p99 < 30 ? '  target p99 < 30 ms: ok' : '  target p99 < 30 ms: MISSED');
  console.log(row(`(b) message latency, ${RATE} msg/s`, singleMsg), `lost ${singleMsg.lost}`);
  console.log(row('    ... cross-node', crossMsg), `lost ${crossMsg.lost}`, crossMsg.p99 < 10 ? '  target p99 < 10 ms: ok' : '  target p99 < 10 ms: MISSED');

  // Redis commands per second on 2 nodes: no client, IDLE idle clients, then churn on top.
  const pair = await Promise.all([0, 1].map(() => startServerProcess([...nodeArgs(redis, 'cost:'), '--peer-timeout-ms', '30000'])));
  const urls = pair.map((n) => n.url);
  const none = await commandsPerSecond(redis);
  const idle = await idleCrowd(urls, IDLE);
  const withIdle = await commandsPerSecond(redis);
  const churn = await idleCrowd(urls, 0, CHURN);
  const withChurn = await commandsPerSecond(redis);
  await churn.stop();
  await idle.stop();
  await Promise.all(pair.map((n) => n.stop()));
  await redis.stop();

  console.log(`\n(c) Redis commands/s on 2 nodes (INFO commandstats over ${WINDOW_MS / 1000} s):`);
  console.log(`    no client                 ${none.toFixed(1).padStart(8)}`);
  console.log(`    ${String(IDLE).padEnd(6)} idle clients      ${withIdle.toFixed(1).padStart(8)}   target <= 50: ${withIdle <= 50 ? 'ok' : 'MISSED'} (idle clients add ${(withIdle - none).toFixed(1)}/s)`);
  console.log(`    + ${CHURN} joins/s and leaves/s ${withChurn.toFixed(1).padStart(8)}   (${((withChurn - withIdle) / CHURN).toFixed(1)} commands per join+leave)`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
