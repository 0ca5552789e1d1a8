// A child process of raw protocol clients in one channel (bench:channel). Each joins with the
// given role, heartbeats at 1 Hz once joined, and keeps what the run measures: the hosts it
// knows (the joined snapshot plus presence entries), how many presence frames it received, when
// it first saw a watched uid come online, and how old each data frame is on arrival.
//
// env CROWD = JSON { urls, channel, count, firstUid, role, concurrency, expect }
//   expect: how many other members each client must know to be complete (0: not tracked);
//   the uids of the run are 1..expect + 1, so what a client knows is a bitmap.
// IPC out first: { type: 'ready' } once it listens. Then in -> out (a reply carries the request's type):
//   join                  -> { type: 'join', at, joined, retried } once all joined ('complete' { at } follows with expect)
//   stats                 -> { type: 'stats', frames: [per client] }
//   watch { uid }         -> { type: 'watch' } armed; then { type: 'seen', times } once every client saw it online
//   subscribe { uid, streamId } -> { type: 'subscribe', acks, errors }
//   samples               -> { type: 'samples', ages } the data ages since the previous call
//   stop                  -> closes every socket and exits
// A join the server refuses, or a session it ends, ends the crowd (exit 1, the reason on stderr);
// a socket closed before its join was answered is opened again, up to 3 times, and counted.
import WebSocket from 'ws';
import { exitOnStop, oncePerSecondEach, openAll } from '../crowd-kit.js';
import { ageOf, heartbeatFrame, isHeartbeat, joinFrame, now } from './wire.js';

const cfg = JSON.parse(process.env.CROWD);
const clients = [];
const live = [];
let complete = 0;
let watched = null;
let seen = 0;
let ages = [];
let subscribing = null;
/** Set once the parent stops the crowd: sockets closing then are no failure. */
let stopping = false;

function fail(uid, why) {
  process.stderr.write(`channel crowd: uid ${uid}: ${why}\n`);
  process.exit(1);
}

function know(c, uid, on) {
  if (!c.known || !(uid >= 1 && uid < c.known.length) || uid === c.uid) return;
  if (c.known[uid] === (on ? 1 : 0)) return;
  c.known[uid] = on ? 1 : 0;
  c.knownCount += on ? 1 : -1;
  if (on && c.knownCount === cfg.expect) {
    if (++complete === clients.length) process.send({ type: 'complete', at: now() });
  }
}

function onPresence(c, events) {
  c.frames++;
  for (const e of events) {
    if (e.type === 'peer-online') {
      know(c, e.uid, true);
      if (watched !== null && e.uid === watched && c.seenAt === null) {
        c.seenAt = now();
        if (++seen === clients.length) process.send({ type: 'seen', times: Float64Array.from(clients, (x) => x.seenAt) });
      }
    } else if (e.type === 'peer-leave') know(c, e.uid, false);
  }
}

function onReply(frame) {
  if (!subscribing) return;
  subscribing[frame.type === 'ack' ? 'acks' : 'errors']++;
  if (subscribing.acks + subscribing.errors === clients.length) {
    process.send({ type: 'subscribe', acks: subscribing.acks, errors: subscribing.errors });
    subscribing = null;
  }
}

/** How often a socket that closes before its join is answered is opened again (an overloaded server cuts slow handshakes). */
const RETRIES = 3;
let retried = 0;

function open(uid, up) {
  const c = { uid, frames: 0, known: cfg.expect ? new Uint8Array(cfg.expect + 2) : null, knownCount: 0, seenAt: null, attempts: 0, joined: false };
  clients.push(c);
  connect(c, up);
}

function connect(c, up) {
  const ws = new WebSocket(cfg.urls[c.uid % cfg.urls.length], { perMessageDeflate: false });
  c.ws = ws;
  c.attempts++;
  let error = null;
  // The socket's error, if any, says why a close came (1006: no close frame).
  ws.on('error', (err) => (error = err.message));
  ws.on('open', () => ws.send(joinFrame({ channel: cfg.channel, uid: c.uid, role: cfg.role })));
  ws.on('close', (code, reason) => {
    if (stopping) return;
    const why = `closed ${code} ${reason}${error ? ` (${error})` : ''}`;
    if (c.joined || c.attempts > RETRIES) fail(c.uid, c.joined ? why : `${why}, before its join was answered, ${c.attempts} times`);
    retried++;
    setTimeout(() => connect(c, up), 100);
  });
  ws.on('message', (raw, isBinary) => {
    if (isBinary) {
      if (!isHeartbeat(raw)) ages.push(ageOf(raw));
      return;
    }
    const frame = JSON.parse(raw.toString());
    if (frame.type === 'presence') onPresence(c, frame.events);
    else if (frame.type === 'joined') {
      for (const peer of frame.peers ?? []) know(c, peer.uid, true);
      c.joined = true;
      live.push(ws);
      up();
    } else if (frame.type === 'ack' || (frame.type === 'error' && frame.id !== undefined)) onReply(frame);
    else if (frame.type === 'error' || frame.type === 'kicked') fail(c.uid, `${frame.code ?? frame.reason} ${frame.message}`);
  });
}

const handlers = {
  async join() {
    oncePerSecondEach(live, heartbeatFrame, (ws, frame) => ws.readyState === WebSocket.OPEN && ws.send(frame));
    await openAll({ count: cfg.count, firstUid: cfg.firstUid, concurrency: cfg.concurrency }, open);
    process.send({ type: 'join', at: now(), joined: live.length, retried });
  },
  stats: () => process.send({ type: 'stats', frames: clients.map((c) => c.frames) }),
  watch({ uid }) {
    watched = uid;
    seen = 0;
    for (const c of clients) c.seenAt = null;
    process.send({ type: 'watch' });
  },
  subscribe({ uid, streamId }) {
    subscribing = { acks: 0, errors: 0 };
    const text = JSON.stringify({ type: 'subscribe', id: 1, uid, streamId });
    for (const c of clients) c.ws.send(text);
  },
  samples() {
    process.send({ type: 'samples', ages: Float64Array.from(ages) });
    ages = [];
  },
};

process.on('message', (msg) => handlers[msg?.type]?.(msg));
exitOnStop(() => {
  stopping = true;
  for (const c of clients) c.ws.terminate();
});
process.send({ type: 'ready' });
