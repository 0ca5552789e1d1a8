// npm run bench:soak — thousands of clients joining, publishing and leaving (some vanishing
// without a leave) for a minute, against the server in its own process (the CLI, with an app
// certificate, a short peer timeout and GET /stats). Prints joins/s and the server's RSS over
// time, then waits until the server's session and member counts are back to 0.
//
// SOAK_CLIENTS (2000) raw protocol clients over SOAK_CHANNELS (200) channels, plus SOAK_SDK
// (20) SDK clients with worker: 'inline', for SOAK_SECONDS (60). SOAK_VANISH (0.2) of the raw
// clients drop their socket instead of leaving. Exit code 1 if the counts do not return to 0.
import { execSync } from 'node:child_process';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, createClient } from 'channel-link';
import { createToken } from 'channel-link/server';
import { startServerProcess } from './server-process.js';
import { summarize } from './stats.js';

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 2000);
const CHANNELS = Number(process.env.SOAK_CHANNELS ?? 200);
const SDK_CLIENTS = Number(process.env.SOAK_SDK ?? 20);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const VANISH = Number(process.env.SOAK_VANISH ?? 0.2);
const PEER_TIMEOUT_MS = 3000;
const APP_ID = 'soak';
const CERT = 'soak-benchmark-app-certificate-0123456789abcdef';
const REPORT_EVERY_MS = 5000;

const rand = (min, max) => min + Math.random() * (max - min);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const tokenFor = (channel, uid) => createToken({ appId: APP_ID, appCertificate: CERT, channel, uid, expiresInSeconds: 3600 });

const totals = { joins: 0, leaves: 0, vanished: 0, refused: 0, dropped: 0, messagesIn: 0, sdkJoins: 0, sdkErrors: 0 };
const joinLatencies = [];
let openSockets = 0;
let running = true;

function fdLimit() {
  try {
    return Number(execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim());
  } catch {
    return NaN;
  }
}

/** One raw protocol client slot: join, publish, maybe subscribe, chatter, then leave or vanish; again. */
async function rawSlot(url, index) {
  const uid = index + 1;
  await sleep(index); // ramp up over ~2 s
  while (running) {
    const channel = `soak-${Math.floor(Math.random() * CHANNELS)}`;
    await rawSession(url, channel, uid);
    await sleep(rand(100, 1000));
  }
}

function rawSession(url, channel, uid) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timers = [];
    let joined = false;
    let planned = false;
    const started = performance.now();
    const finish = () => {
      for (const t of timers) clearInterval(t);
      resolve();
    };
    ws.on('error', () => undefined);
    ws.on('open', () => {
      openSockets++;
      ws.send(JSON.stringify({ type: 'join', v: PROTOCOL_VERSION, appId: APP_ID, channel, uid, token: tokenFor(channel, uid), role: 'host', streams: ['cam'], subscriptions: [] }));
    });
    ws.on('close', () => {
      openSockets--;
      if (joined && !planned) totals.dropped++;
      if (!joined) totals.refused++;
      finish();
    });
    ws.on('message', (raw, isBinary) => {
      if (isBinary) {
        totals.messagesIn++;
        return;
      }
      const frame = JSON.parse(raw.toString());
      if (frame.type !== 'joined' || joined) return;
      joined = true;
      totals.joins++;
      joinLatencies.push(performance.now() - started);
      const peer = frame.peers.find((p) => p.streams.length > 0);
      if (peer) ws.send(JSON.stringify({ type: 'subscribe', id: 1, uid: peer.uid, streamId: peer.streams[0] }));
      // A text frame on stream 'cam': [flags 1][id length 3]['cam'][epoch u32][seq u32][payload]
      let seq = 0;
      const data = () => {
        const frame = Buffer.from([1, 3, 0x63, 0x61, 0x6d, 0, 0, 0, 1, 0, 0, 0, 0, ...Buffer.from(`hello from ${uid}`)]);
        frame.writeUInt32BE(++seq, 9);
        return frame;
      };
      timers.push(setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'ping', ts: Date.now() })), 1000));
      timers.push(setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(data()), 500));
      timers.push(
        setTimeout(() => {
          planned = true;
          if (Math.random() < VANISH) {
            totals.vanished++;
            ws.terminate();
          } else {
            totals.leaves++;
            ws.send(JSON.stringify({ type: 'leave', id: 2 }));
          }
        }, rand(2000, 10_000)),
      );
    });
  });
}

/** An SDK client (engine inline) cycling join → publish → send → leave. */
async function sdkSlot(url, index) {
  const client = createClient({ url, appId: APP_ID, worker: 'inline' });
  const uid = `sdk-${index}`;
  while (running) {
    const channel = `soak-${Math.floor(Math.random() * CHANNELS)}`;
    try {
      await client.join(tokenFor(channel, uid), channel, uid);
      totals.sdkJoins++;
      const stream = await client.publish();
      for (let i = 0; i < 5 && running; i++) {
        stream.send(`sdk ${i}`);
        await sleep(rand(200, 600));
      }
      await client.leave();
    } catch {
      totals.sdkErrors++;
      if (client.getConnectionState() !== 'DISCONNECTED') await client.leave().catch(() => undefined);
    }
    await sleep(rand(100, 500));
  }
  await client.destroy();
}

async function serverStats(httpUrl) {
  const res = await fetch(`${httpUrl}/stats`);
  return res.json();
}

async function main() {
  const limit = fdLimit();
  console.log(`soak: ${CLIENTS} raw clients + ${SDK_CLIENTS} SDK clients (inline) over ${CHANNELS} channels for ${SECONDS} s; ${Math.round(VANISH * 100)}% vanish; fd limit ${limit}`);
  if (limit < CLIENTS + SDK_CLIENTS + 200) console.warn(`warning: ulimit -n ${limit} is low for ${CLIENTS} sockets: raise it (ulimit -n 65536)`);

  const server = await startServerProcess([
    '--stats',
    '--app-certificate', CERT,
    '--peer-timeout-ms', String(PEER_TIMEOUT_MS),
    '--stream-timeout-ms', '2000',
  ]);
  const httpUrl = server.url.replace(/^ws/, 'http');
  const start = await serverStats(httpUrl);
  console.log(`server ${server.url} (pid ${server.child.pid}), RSS at start ${mb(start.memory.rss)}`);
  console.log('   t  joins/s  sockets(client)  server: sessions members sockets   RSS    heap');

  const slots = [];
  for (let i = 0; i < CLIENTS; i++) slots.push(rawSlot(server.url, i));
  for (let i = 0; i < SDK_CLIENTS; i++) slots.push(sdkSlot(server.url, i));

  const t0 = Date.now();
  const rss = [start.memory.rss];
  let lastJoins = 0;
  const rates = [];
  while (Date.now() - t0 < SECONDS * 1000) {
    await sleep(REPORT_EVERY_MS);
    const s = await serverStats(httpUrl);
    const joins = totals.joins + totals.sdkJoins;
    const rate = (joins - lastJoins) / (REPORT_EVERY_MS / 1000);
    rates.push(rate);
    lastJoins = joins;
    rss.push(s.memory.rss);
    const t = Math.round((Date.now() - t0) / 1000);
    console.log(
      `${String(t).padStart(4)}  ${rate.toFixed(0).padStart(7)}  ${String(openSockets).padStart(15)}  ${String(s.sessions).padStart(16)} ${String(s.members).padStart(7)} ${String(s.sockets).padStart(7)}  ${mb(s.memory.rss).padStart(6)}  ${mb(s.memory.heapUsed).padStart(6)}`,
    );
  }

  running = false;
  const activeSeconds = (Date.now() - t0) / 1000;
  const activeJoins = totals.joins + totals.sdkJoins;
  console.log('stopping: every client finishes its session, leaving or vanishing as planned ...');
  await Promise.all(slots);
  const stoppedAt = Date.now();
  let end = await serverStats(httpUrl);
  const rssAtStop = end.memory.rss;
  while ((end.sessions !== 0 || end.members !== 0 || end.sockets !== 0) && Date.now() - stoppedAt < PEER_TIMEOUT_MS + 15_000) {
    await sleep(250);
    end = await serverStats(httpUrl);
  }
  const settleMs = Date.now() - stoppedAt;
  await server.stop();

  const lat = summarize(joinLatencies);
  console.log('\n--- soak summary ---');
  console.log(`${activeSeconds.toFixed(0)} s of load: ${activeJoins} joins = ${(activeJoins / activeSeconds).toFixed(0)} joins/s on average (peak ${Math.max(...rates).toFixed(0)}/s over ${REPORT_EVERY_MS / 1000} s); then ${((stoppedAt - t0) / 1000 - activeSeconds).toFixed(0)} s of wind-down`);
  console.log(`joins in all: ${totals.joins} raw + ${totals.sdkJoins} SDK`);
  console.log(`join latency (raw, open → joined) ms: p50 ${lat.p50.toFixed(1)}  p99 ${lat.p99.toFixed(1)}  max ${lat.max.toFixed(1)}`);
  console.log(`leaves ${totals.leaves}, vanished ${totals.vanished}, refused ${totals.refused}, dropped by server ${totals.dropped}, SDK errors ${totals.sdkErrors}, data messages received ${totals.messagesIn}`);
  console.log(`server RSS over time (every ${REPORT_EVERY_MS / 1000} s): ${rss.map(mb).join(' → ')}`);
  console.log(`server counters: ${JSON.stringify(end.counters)}`);
  console.log(`after stop: sessions ${end.sessions}, members ${end.members}, channels ${end.channels}, sockets ${end.sockets} (settled in ${settleMs} ms; peer timeout ${PEER_TIMEOUT_MS} ms); server RSS ${mb(rssAtStop)} at stop, ${mb(end.memory.rss)} when settled, heap ${mb(end.memory.heapUsed)}`);
  const clean = end.sessions === 0 && end.members === 0 && end.sockets === 0;
  console.log(clean ? 'OK: the server is back to 0 sessions and 0 members' : 'FAIL: sessions or members left behind');
  process.exit(clean ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
