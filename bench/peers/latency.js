// Message latency at a steady rate: one publisher, one subscriber, both in this process (one clock),
// the server in its own process. The payload is the send time (performance.now()) as a string.
import { pathToFileURL } from 'node:url';
import { pacedSend, summarize } from '../stats.js';

/** The latency of each message received through `listen` (see timedRun); `done` once `count` arrived. */
function collect(count, listen) {
  const samples = [];
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const stop = listen((data) => {
    samples.push(performance.now() - Number(data));
    if (samples.length === count) finish();
  });
  return { samples, done, stop };
}

/** `promise`, or an error naming `what` after `ms`: a benchmark step never hangs. */
function step(what, promise, ms = 20_000) {
  let timer;
  const deadline = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`latency: ${what} took over ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Resolves once `observable` emits a value that passes `predicate`. */
function until(observable, predicate) {
  return new Promise((resolve) => {
    let done = false;
    let subscription = null;
    subscription = observable.subscribe((value) => {
      if (done || !predicate(value)) return;
      done = true;
      resolve();
      subscription?.unsubscribe();
    });
    if (done) subscription.unsubscribe();
  });
}

async function settle(done, ms = 3000) {
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, ms))]);
}

/**
 * 200 messages first, so that both ends have compiled their hot paths, then `count` timed ones at
 * `rate`. `listen(on)` starts calling `on(data)` for each message received and returns its stop.
 */
async function timedRun({ count, rate, send, listen }) {
  const warm = collect(200, listen);
  await pacedSend(200, rate, send);
  await settle(warm.done);
  warm.stop();
  const run = collect(count, listen);
  const cpu0 = process.cpuUsage();
  await pacedSend(count, rate, send);
  await settle(run.done);
  const cpu = process.cpuUsage(cpu0);
  run.stop();
  return { ...summarize(run.samples), lost: count - run.samples.length, cpuUsPerMessage: (cpu.user + cpu.system) / count };
}

export async function channelLinkLatency({ dist, url, worker, seconds, rate }) {
  const { createClient } = await import(pathToFileURL(`${dist}/dist/src/index.node.js`).href);
  const count = Math.round(seconds * rate);
  const channel = `lat-${worker}-${Date.now().toString(36)}`;
  const pub = createClient({ url, worker });
  const sub = createClient({ url, worker });
  try {
    await step('join', Promise.all([pub.join(null, channel, 1), sub.join(null, channel, 2)]));
    const stream = await step('publish', pub.publish());
    await step('stream-added', until(sub.peers$, (peers) => peers.get(1)?.streams.has(stream.id)));
    const remote = await step('subscribe', sub.subscribe(1, stream.id));
    const listen = (on) => {
      const subscription = remote.messages$.subscribe(({ data }) => on(data));
      return () => subscription.unsubscribe();
    };
    return await timedRun({ count, rate, send: (d) => stream.send(d), listen });
  } finally {
    await step('destroy', Promise.all([pub.destroy(), sub.destroy()]));
  }
}

/**
 * Socket.IO, optionally with `hops`: each received message goes to a bare worker_threads echo and
 * back before it is timed. Two thread crossings and nothing else, as channel-link's worker mode
 * has (publisher's thread to its worker, subscriber's worker to its thread): what crossing threads
 * costs on this machine, whatever the SDK.
 */
export async function socketIoLatency({ url, seconds, rate, hops = false }) {
  const { io } = await import('socket.io-client');
  const echo = hops ? await startEcho() : null;
  const count = Math.round(seconds * rate);
  const room = `lat-${Date.now().toString(36)}`;
  const opts = { transports: ['websocket'], forceNew: true };
  const pub = io(url, opts);
  const sub = io(url, opts);
  try {
    const join = (s) => new Promise((resolve) => (s.connected ? s.emit('join', room, resolve) : s.once('connect', () => s.emit('join', room, resolve))));
    await step('socket.io join', Promise.all([join(pub), join(sub)]));
    const listen = (on) => {
      const onMessage = echo ? (d) => echo.worker.postMessage(d) : on;
      if (echo) echo.onReply = on;
      sub.on('m', onMessage);
      return () => sub.off('m', onMessage);
    };
    return await timedRun({ count, rate, send: (d) => pub.emit('m', d), listen });
  } finally {
    pub.close();
    sub.close();
    await echo?.worker.terminate();
  }
}

/**
 * Socket.IO with each client on its own worker_threads worker (sio-worker-client.js): the
 * publisher's main thread posts to its worker, which emits; the subscriber's worker posts each
 * message to the main thread, where it is timed. The same threads and crossings as channel-link's
 * worker mode (two workers, one crossing each way), with Socket.IO's stack: what the worker
 * design itself costs here.
 */
export async function socketIoOnWorkersLatency({ url, seconds, rate }) {
  const { Worker } = await import('node:worker_threads');
  const count = Math.round(seconds * rate);
  const room = `lat-${Date.now().toString(36)}`;
  const script = new URL('./sio-worker-client.js', import.meta.url);
  const [pub, sub] = [0, 1].map(() => new Worker(script, { workerData: { url, room } }));
  const joined = (worker) => new Promise((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject)));
  try {
    await step('socket.io join on workers', Promise.all([joined(pub), joined(sub)]));
    const listen = (on) => (sub.on('message', on), () => sub.off('message', on));
    return await timedRun({ count, rate, send: (d) => pub.postMessage(d), listen });
  } finally {
    await Promise.all([pub.terminate(), sub.terminate()]);
  }
}

async function startEcho() {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker("const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));", { eval: true });
  const echo = { worker, onReply: () => {} };
  worker.on('message', (m) => echo.onReply(m));
  return echo;
}
