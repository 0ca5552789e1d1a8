// npm run bench:latency — end-to-end latencies on loopback, server in its own process.
//  (a) peer-online: join() called -> 'peer-online' seen by a peer, over JOINS joins
//  (b) stream messages: send() -> subscriber's messages$, MESSAGES at ~RATE msg/s, engine on worker_threads
//  (c) the same as (b) with worker: 'inline', to show what the worker hop costs
import { startServerProcess } from './server-process.js';
import { messageLatency, peerOnlineLatency } from './sdk-latency.js';
import { row } from './stats.js';

const JOINS = Number(process.env.JOINS ?? 500);
const MESSAGES = Number(process.env.MESSAGES ?? 10_000);
const RATE = Number(process.env.RATE ?? 1000);

const server = await startServerProcess();
console.log(`channel-link latency benchmark — node ${process.version}, server ${server.url} (own process)\n`);
try {
  const joins = await peerOnlineLatency({ observerUrl: server.url, joinerUrl: server.url, joins: JOINS });
  console.log(row(`(a) peer-online latency, ${JOINS} joins`, joins), '  target p99 < 20 ms');
  const viaWorker = await messageLatency({ pubUrl: server.url, subUrl: server.url, messages: MESSAGES, rate: RATE, worker: 'auto' });
  console.log(row(`(b) message latency, worker_threads`, viaWorker), `  target p99 < 5 ms  (${viaWorker.rate.toFixed(0)} msg/s, lost ${viaWorker.lost})`);
  const inline = await messageLatency({ pubUrl: server.url, subUrl: server.url, messages: MESSAGES, rate: RATE, worker: 'inline' });
  console.log(row(`(c) message latency, inline`, inline), `  (${inline.rate.toFixed(0)} msg/s, lost ${inline.lost})`);
  const hop = viaWorker.p50 - inline.p50;
  console.log(`\nworker hop cost at the median: ${hop.toFixed(3)} ms (target <= 0.2 ms)`);
} finally {
  await server.stop();
}
