// npm run bench:peers — channel-link against Socket.IO 4 and a raw `ws` server (the floor), each
// server in its own process, clients in others, the systems alternating within each round:
//  - capacity: the server's CPU (utime + stime over a steady window) and RSS per connection (after a
//    full GC, against the same server with 0 clients) with N idle clients: 1 Hz heartbeats,
//    channels (rooms) of 10;
//  - message latency: one publisher, one subscriber, RATE msg/s (channel-link on worker_threads and
//    inline; Socket.IO, Socket.IO with two bare thread hops, Socket.IO with each client on a worker
//    thread); 10 s per round;
//  - reconnect: after an outage of OUTAGE_MS and after a server restart.
// It prints one table of ratios (with the figures they come from) and the machine's load.
//
// Env: SIZES (2000,5000,10000,19000) ROUNDS (1) WINDOW_S (10) SETTLE_S (3) CROWD_PROCESSES (4)
//      LATENCY_S (10) RATE (1000) RECONNECT_ROUNDS (10) OUTAGE_MS (3000) PARTS (capacity,latency,reconnect)
//      SYSTEMS (all: cl,cl-redis,sio,ws,ws-join and, with BEFORE, cl@before,cl-redis@before) to measure fewer
//      (ws-join: the raw ws floor answering a join, driven by channel-link's own idle clients)
//      BEFORE=<dir>: also measure the channel-link of another checkout (built, with node_modules),
//      e.g. the commit before a change, in the same run, alternating with the rest.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measureCapacity } from './peers/capacity.js';
import { channelLinkLatency, socketIoLatency, socketIoOnWorkersLatency } from './peers/latency.js';
import { loadavg, openFilesLimit } from './peers/proc.js';
import { startPeerServer } from './peers/processes.js';
import { outageReconnect, restartReconnect } from './peers/reconnect.js';
import { printReport } from './peers/report.js';
import { startRedis } from './redis.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const num = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a positive number`);
  return value;
};
const o = {
  sizes: (process.env.SIZES ?? '2000,5000,10000,19000').split(',').map(Number),
  rounds: num('ROUNDS', 1),
  windowS: num('WINDOW_S', 10),
  settleS: num('SETTLE_S', 3),
  crowdProcesses: num('CROWD_PROCESSES', 4),
  latencyS: num('LATENCY_S', 10),
  rate: num('RATE', 1000),
  reconnectRounds: num('RECONNECT_ROUNDS', 10),
  outageMs: num('OUTAGE_MS', 3000),
  parts: (process.env.PARTS ?? 'capacity,latency,reconnect').split(','),
  before: process.env.BEFORE ? process.env.BEFORE.replace(/\/$/, '') : null,
};
if (o.sizes.some((n) => !(n > 0))) throw new Error('SIZES must be a comma-separated list of client counts');

/** The heartbeat a checkout's server understands: the binary frame where it has one, else the JSON ping. */
const heartbeatOf = (dist) => (existsSync(`${dist}/dist/src/heartbeat-frame.js`) ? 'binary' : 'json');
/** The protocol version a checkout's server speaks (its crowd must join with it). */
const protocolVersionOf = async (dist) => (await import(pathToFileURL(`${dist}/dist/src/limits.js`).href)).PROTOCOL_VERSION;
const channelLink = async (dist, tag) => {
  const common = { server: 'channel-link', dist, heartbeat: heartbeatOf(dist), protocolVersion: await protocolVersionOf(dist) };
  return [
    { id: `cl${tag}`, label: `channel-link${tag} (memory)`, ...common },
    { id: `cl-redis${tag}`, label: `channel-link${tag} (Redis)`, ...common, redis: true },
  ];
};
const only = process.env.SYSTEMS ? new Set(process.env.SYSTEMS.split(',')) : null;
const systems = [
  ...(await channelLink(ROOT, '')),
  ...(o.before ? await channelLink(o.before, '@before') : []),
  { id: 'sio', label: 'Socket.IO 4', server: 'socket.io' },
  { id: 'ws', label: 'raw ws', server: 'ws' },
  // The same floor, joined by channel-link's own idle clients (one join each, then the binary heartbeat).
  { id: 'ws-join', label: 'raw ws, joined', server: 'ws-join', heartbeat: 'binary', protocolVersion: await protocolVersionOf(ROOT) },
].filter((s) => !only || only.has(s.id));
const latencySystems = [
  { id: 'cl-worker', dist: ROOT, worker: 'auto' },
  { id: 'cl-inline', dist: ROOT, worker: 'inline' },
  ...(o.before ? [{ id: 'cl-worker@before', dist: o.before, worker: 'auto' }, { id: 'cl-inline@before', dist: o.before, worker: 'inline' }] : []),
  { id: 'sio' },
  // Socket.IO with two bare thread crossings on the receive path: the cost of any worker design here.
  { id: 'sio-hops' },
  // Socket.IO with each client on its own worker thread: channel-link's worker topology, Socket.IO's stack.
  { id: 'sio-workers' },
];
const reconnectSystems = systems.filter((s) => !s.redis && !s.server.startsWith('ws'));

/** Round r runs the systems in an order rotated by r, so none is always first or last. */
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);
const log = (line) => process.stderr.write(`${line}\n`);

const results = { capacity: [], latency: [], reconnect: [] };
const startedAt = Date.now();
const loadStart = loadavg();
const fd = openFilesLimit();
log(`bench:peers — node ${process.version}, load ${loadStart}, ulimit -n ${fd?.soft ?? '?'}; sizes ${o.sizes.join(', ')}, ${o.rounds} round(s)`);

const redis = o.parts.includes('capacity') ? await startRedis() : null;
try {
  for (let round = 0; round < o.rounds; round++) {
    if (o.parts.includes('capacity')) {
      for (const size of o.sizes) {
        for (const system of rotate(systems, round + o.sizes.indexOf(size))) {
          const m = await measureCapacity(system, size, { ...o, redis });
          results.capacity.push({ system: system.id, size, round, ...m });
          log(`  [${round + 1}] ${system.label.padEnd(28)} ${String(size).padStart(6)} clients: CPU ${m.cpu.toFixed(2)} %, RSS/conn ${(m.perConn / 1024).toFixed(1)} KB (joined in ${m.joinS.toFixed(1)} s)`);
        }
      }
    }
    if (o.parts.includes('latency')) {
      for (const system of rotate(latencySystems, round)) {
        const server = await startPeerServer({ system: system.id.startsWith('sio') ? 'socket.io' : 'channel-link', dist: system.dist });
        try {
          const args = { dist: system.dist, url: server.url, worker: system.worker, seconds: o.latencyS, rate: o.rate };
          const m =
            system.id === 'sio-workers'
              ? await socketIoOnWorkersLatency(args)
              : system.id.startsWith('sio')
                ? await socketIoLatency({ ...args, hops: system.id === 'sio-hops' })
                : await channelLinkLatency(args);
          results.latency.push({ system: system.id, round, ...m });
          log(`  [${round + 1}] latency ${system.id.padEnd(20)} p50 ${m.p50.toFixed(3)} ms, p99 ${m.p99.toFixed(3)} ms, max ${m.max.toFixed(1)} ms, lost ${m.lost}, client CPU ${m.cpuUsPerMessage.toFixed(0)} µs/msg`);
        } finally {
          await server.kill();
        }
      }
    }
  }
  if (o.parts.includes('reconnect')) {
    for (let r = 0; r < o.reconnectRounds; r++) {
      for (const system of rotate(reconnectSystems, r)) {
        const outage = await outageReconnect(system, o);
        const restart = await restartReconnect(system);
        results.reconnect.push({ system: system.id, outage, restart });
        log(`  [${r + 1}] reconnect ${system.label.padEnd(26)} after outage ${outage.toFixed(0)} ms, after restart ${restart.toFixed(0)} ms`);
      }
    }
  }
} finally {
  await redis?.stop();
}

printReport(results, { ...o, systems, fd, loadStart, loadEnd: loadavg(), minutes: (Date.now() - startedAt) / 60000 });
