// A child process of real SDK clients for bench/herd.js: the engine inline (worker: 'inline'), the
// reconnect policy and admission handling exactly as an app gets them. Each joins a channel of
// `channelSize`, then idles (1 Hz heartbeats). env HERD_CLIENTS = JSON { url, count, firstUid,
// channelSize, prefix, concurrency }.
// IPC out: { type: 'ready' } once every client joined. IPC in: 'mark' -> from now on, record each
// client's first `connected` (Date.now()), every peer-leave and every give-up (DISCONNECTED);
// 'report' -> { type: 'report', back: [ms epoch | null per client], leaves, gaveUp, attempts (failed),
// lagP99, lagMax (ms: this process's event-loop lag, how late its clients' timers ran) }; 'stop'.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClient } from '../../dist/src/index.node.js';
import { exitOnStop, openAll } from '../crowd-kit.js';

const cfg = JSON.parse(process.env.HERD_CLIENTS);
const clients = [];
let marked = false;
let back = [];
let leaves = 0;
let gaveUp = 0;
let attempts = 0;
/** This process's own event-loop lag since the mark: how late its clients' timers ran. */
const lag = monitorEventLoopDelay({ resolution: 10 });

function open(uid, up) {
  const index = uid - cfg.firstUid;
  const client = createClient({ url: cfg.url, worker: 'inline', appId: 'herd' });
  clients.push(client);
  client.on('connected', () => {
    if (marked && back[index] === null) back[index] = Date.now();
  });
  client.on('connection-attempt-failed', () => {
    if (marked) attempts++;
  });
  client.on('peer-leave', () => {
    if (marked) leaves++;
  });
  client.on('connection-state-change', ({ curState }) => {
    if (marked && curState === 'DISCONNECTED') gaveUp++;
  });
  client.join(null, `${cfg.prefix}-${Math.floor(uid / cfg.channelSize)}`, uid).then(up, (error) => {
    process.stderr.write(`herd clients: uid ${uid} could not join: ${error.code} ${error.message}\n`);
    process.exit(1);
  });
}

process.on('message', (msg) => {
  if (msg === 'mark') {
    marked = true;
    back = clients.map(() => null);
    leaves = 0;
    gaveUp = 0;
    attempts = 0;
    lag.reset();
    lag.enable();
  } else if (msg === 'report') {
    process.send({ type: 'report', back, leaves, gaveUp, attempts, lagP99: lag.percentile(99) / 1e6, lagMax: lag.max / 1e6 });
  }
});
exitOnStop(() => {
  for (const client of clients) void client.destroy();
});

await openAll({ count: cfg.count, firstUid: cfg.firstUid, concurrency: cfg.concurrency }, open);
process.send({ type: 'ready' });
