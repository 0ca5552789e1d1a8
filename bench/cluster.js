// npm run bench:cluster — the cluster on Redis against one node without it, on this machine.
//  (a) peer-online latency: join() on one node -> 'peer-online' seen on another, JOINS joins
//  (b) message latency: publisher on one node, subscriber on another, MESSAGES at RATE msg/s
//  (c) Redis commands per second: no client, IDLE idle clients on 2 nodes, and under churn
//  (d) Redis Cluster (3 shards): commands per shard over CHANNELS channels (each within ±20 % of an
//      even share), commands per join and per cross-node message on one Redis and on the cluster,
//      and peer-online / message latency across nodes on the cluster
// Every node is the server CLI in its own process; the SDK clients run their engine on worker_threads.
import { fork } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startRedis, startRedisCluster } from './redis.js';
import { startServerProcess } from './server-process.js';
import { messageLatency, peerOnlineLatency } from './sdk-latency.js';
import { row } from './stats.js';

const JOINS = Number(process.env.JOINS ?? 300);
const MESSAGES = Number(process.env.MESSAGES ?? 10_000);
const RATE = Number(process.env.RATE ?? 1000);
const IDLE = Number(process.env.IDLE ?? 10_000);
const CHURN = Number(process.env.CHURN ?? 20);
const WINDOW_MS = Number(process.env.WINDOW_MS ?? 10_000);
const CHANNELS = Number(process.env.CHANNELS ?? 3000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Idle raw clients in child processes (bench/idle-crowd.js), spread over `urls`. */
async function idleCrowd(urls, count, churnPerSecond = 0, channelSize = 10, prefix = 'idle') {
  const perProcess = 2500;
  const children = [];
  for (let first = 0; first < count || (churnPerSecond && children.length === 0); first += perProcess) {
    const n = Math.min(perProcess, count - first);
    const child = fork(new URL('./idle-crowd.js', import.meta.url), [], {
      env: { ...process.env, IDLE: JSON.stringify({ urls, count: n, firstUid: first + 1 + (churnPerSecond ? 1e6 : 0), channelSize, prefix, churnPerSecond }) },
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
  // ONLY=redis-cluster: section (d) alone.
  if (process.env.ONLY === 'redis-cluster') return redisClusterSection();
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

  await redisClusterSection();
}

/** Waits until Redis runs almost nothing (the last leaves of a crowd have landed). */
async function quiet(redis) {
  for (let last = redis.commands(); ; ) {
    await sleep(500);
    const now = redis.commands();
    if (now - last < 20) return;
    last = now;
  }
}

/** Commands a phase costs: `commands()` before and after it, and what it returned. */
async function costOf(commands, phase) {
  const before = commands();
  const result = await phase();
  return { commands: commands() - before, result };
}

/**
 * (d) The same two nodes on one Redis and on a 3-shard Redis Cluster: CHANNELS one-member channels
 * joined (commands per join, and per shard on the cluster), MESSAGES cross-node messages (commands
 * per message), and on the cluster the cross-node latencies of (a) and (b).
 */
async function redisClusterSection() {
  const single = await startRedis();
  const cluster = await startRedisCluster(3);
  const modes = [
    ['one Redis', ['--redis-url', single.url], single],
    ['Redis Cluster, 3 shards', ['--redis-cluster', cluster.nodes.join(',')], cluster],
  ];
  const rows = [];
  let perShard = null;
  let latency = null;
  for (const [name, args, redis] of modes) {
    const pair = await Promise.all([0, 1].map(() => startServerProcess([...args, '--redis-prefix', 'sh:', '--peer-timeout-ms', '30000'])));
    const urls = pair.map((n) => n.url);
    // CHANNELS one-member channels: every command their members cause while they join and settle, per shard.
    const shardsBefore = redis === cluster ? cluster.commandsPerShard() : null;
    const crowd = await idleCrowd(urls, CHANNELS, 0, 1, 'shard');
    await crowd.stop();
    await quiet(redis);
    if (shardsBefore) perShard = cluster.commandsPerShard().map((n, i) => n - shardsBefore[i]);
    // Then, with no other client: JOINS joins (and leaves) seen across nodes, MESSAGES messages across nodes.
    const joins = await costOf(redis.commands, () => peerOnlineLatency({ observerUrl: urls[0], joinerUrl: urls[1], joins: JOINS }));
    const messages = await costOf(redis.commands, () => messageLatency({ pubUrl: urls[0], subUrl: urls[1], messages: MESSAGES, rate: RATE }));
    if (redis === cluster) latency = { join: joins.result, msg: messages.result };
    await Promise.all(pair.map((n) => n.stop()));
    rows.push({ name, perJoin: joins.commands / JOINS, perMessage: messages.commands / MESSAGES, lost: messages.result.lost });
  }
  await single.stop();
  await cluster.stop();

  console.log(`\n(d) Redis Cluster: 2 nodes; ${JOINS} cross-node joins (each with its leave), ${MESSAGES} cross-node messages at ${RATE} msg/s`);
  for (const r of rows) {
    console.log(`    ${r.name.padEnd(24)} ${r.perJoin.toFixed(2).padStart(6)} commands per join+leave   ${r.perMessage.toFixed(2).padStart(6)} commands per cross-node message   lost ${r.lost}`);
  }
  const total = perShard.reduce((a, b) => a + b, 0);
  const even = total / perShard.length;
  const spread = perShard.map((n) => (n - even) / even);
  const within = spread.every((d) => Math.abs(d) <= 0.2);
  console.log(`    commands per shard, ${CHANNELS} one-member channels joined and left: ${perShard.map((n, i) => `${n} (${spread[i] >= 0 ? '+' : ''}${(spread[i] * 100).toFixed(1)} %)`).join(', ')}   target each within ±20 % of ${even.toFixed(0)}: ${within ? 'ok' : 'MISSED'}`);
  console.log(row('    peer-online latency, cross-node', latency.join), latency.join.p99 < 30 ? '  target p99 < 30 ms: ok' : '  target p99 < 30 ms: MISSED');
  console.log(row(`    message latency, ${RATE} msg/s, cross-node`, latency.msg), `lost ${latency.msg.lost}`, latency.msg.p99 < 10 ? '  target p99 < 10 ms: ok' : '  target p99 < 10 ms: MISSED');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
