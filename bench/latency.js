// npm run bench:latency — end-to-end latencies on loopback, server in its own process.
//  (a) peer-online: join() called -> 'peer-online' seen by a peer, over JOINS joins
//  (b) stream messages: send() -> subscriber's messages$, MESSAGES at ~RATE msg/s, engine on worker_threads
//  (c) the same as (b) with worker: 'inline', to show what the worker hop costs
import { performance } from 'node:perf_hooks';
import { filter, firstValueFrom } from 'rxjs';
import { createClient } from 'channel-link';
import { startServerProcess } from './server-process.js';
import { row, summarize } from './stats.js';

const JOINS = Number(process.env.JOINS ?? 500);
const MESSAGES = Number(process.env.MESSAGES ?? 10_000);
const RATE = Number(process.env.RATE ?? 1000);

const firstEvent = (client, predicate) =>
  new Promise((resolve) => {
    const sub = client.events$.subscribe((event) => {
      if (predicate(event)) {
        sub.unsubscribe();
        resolve(performance.now());
      }
    });
  });

async function peerOnlineLatency(url) {
  const observer = createClient({ url });
  const joiner = createClient({ url });
  await observer.join(null, 'bench-join', 1);
  const samples = [];
  for (let i = 0; i < JOINS; i++) {
    const seen = firstEvent(observer, (e) => e.type === 'peer-online' && e.uid === 2);
    const start = performance.now();
    await joiner.join(null, 'bench-join', 2);
    samples.push((await seen) - start);
    const left = firstEvent(observer, (e) => e.type === 'peer-leave' && e.uid === 2);
    await joiner.leave();
    await left;
  }
  await Promise.all([observer.destroy(), joiner.destroy()]);
  return summarize(samples);
}

async function messageLatency(url, worker) {
  const channel = `bench-data-${worker}`;
  const pub = createClient({ url, worker });
  const sub = createClient({ url, worker });
  await pub.join(null, channel, 1);
  await sub.join(null, channel, 2);
  const stream = await pub.publish();
  await firstValueFrom(sub.peers$.pipe(filter((peers) => peers.get(1)?.streams.has(stream.id) === true)));
  const remote = await sub.subscribe(1, stream.id);
  const samples = [];
  const done = new Promise((resolve) => {
    remote.messages$.subscribe((m) => {
      samples.push(performance.now() - Number(m.data));
      if (samples.length === MESSAGES) resolve();
    });
  });
  // Paced sender: catches up on timer lateness so the average rate stays at RATE.
  const start = performance.now();
  let sent = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(MESSAGES, Math.floor(((performance.now() - start) * RATE) / 1000));
      while (sent < due) {
        stream.send(String(performance.now()));
        sent++;
      }
      if (sent >= MESSAGES) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
  const seconds = (performance.now() - start) / 1000;
  await Promise.all([pub.destroy(), sub.destroy()]);
  return { ...summarize(samples), lost: MESSAGES - samples.length, rate: MESSAGES / seconds };
}

const server = await startServerProcess();
console.log(`channel-link latency benchmark — node ${process.version}, server ${server.url} (own process)\n`);
try {
  const joins = await peerOnlineLatency(server.url);
  console.log(row(`(a) peer-online latency, ${JOINS} joins`, joins), '  target p99 < 20 ms');
  const viaWorker = await messageLatency(server.url, 'auto');
  console.log(row(`(b) message latency, worker_threads`, viaWorker), `  target p99 < 5 ms  (${viaWorker.rate.toFixed(0)} msg/s, lost ${viaWorker.lost})`);
  const inline = await messageLatency(server.url, 'inline');
  console.log(row(`(c) message latency, inline`, inline), `  (${inline.rate.toFixed(0)} msg/s, lost ${inline.lost})`);
  const hop = viaWorker.p50 - inline.p50;
  console.log(`\nworker hop cost at the median: ${hop.toFixed(3)} ms (target <= 0.2 ms)`);
} finally {
  await server.stop();
}
