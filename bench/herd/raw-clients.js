// A child process of raw protocol clients for bench/herd.js, for crowds too large for this machine
// to run as SDK engines: each is one `ws` socket that joins (and resumes with its session id),
// sends the 1 Hz binary heartbeat, and reconnects on the SDK's own policy: the link's
// ReconnectPolicy and backoff from dist/worker (first retry within 50 ms, waits by the outage's
// age, a SERVER_BUSY wait taken instead, giving up after giveUpAfterMs). Only the TCP connect is
// tried first on its own, so that a refused attempt costs a socket, not a whole WebSocket
// handshake object: the attempt fails at the same moment either way.
// Same env (HERD_CLIENTS) and IPC as bench/herd/clients.js.
import net from 'node:net';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../dist/src/limits.js';
import { encodeHeartbeat } from '../../dist/src/heartbeat-frame.js';
import { createBackoffPolicy } from '../../dist/worker/backoff.js';
import { ReconnectPolicy } from '../../dist/worker/reconnect-policy.js';
import { DEFAULT_ENGINE_OPTIONS } from '../../dist/src/types.js';
import { exitOnStop, oncePerSecondEach, openAll } from '../crowd-kit.js';
import { crowdTally } from './tally.js';

const cfg = JSON.parse(process.env.HERD_CLIENTS);
const url = new URL(cfg.url);
const { connectionTimeoutMs, joinTimeoutMs, reconnect } = DEFAULT_ENGINE_OPTIONS;
const clock = { now: () => Date.now() };
const live = new Set();
const clients = [];
const tally = crowdTally(() => clients.length);

class RawClient {
  constructor(index, uid, onFirstJoin) {
    this.index = index;
    this.uid = uid;
    this.channel = `${cfg.prefix}-${Math.floor(uid / cfg.channelSize)}`;
    this.policy = new ReconnectPolicy({ joinTimeoutMs, reconnect }, createBackoffPolicy(reconnect, Math.random), clock);
    this.onFirstJoin = onFirstJoin;
    this.sessionId = undefined;
    this.round = 0;
    this.retryAfterMs = undefined;
    this.policy.begin('join');
    this.connect();
  }

  connect() {
    const socket = net.connect(Number(url.port), url.hostname);
    const deadline = setTimeout(() => socket.destroy(new Error('timeout')), connectionTimeoutMs);
    socket.once('error', () => {
      clearTimeout(deadline);
      this.failed();
    });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      this.handshake(socket, deadline);
    });
  }

  handshake(socket, deadline) {
    const ws = new WebSocket(cfg.url, { perMessageDeflate: false, createConnection: () => socket });
    let joined = false;
    ws.on('error', () => {});
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join', v: PROTOCOL_VERSION, appId: 'herd', channel: this.channel, uid: this.uid, token: null, ...(this.sessionId ? { sessionId: this.sessionId } : {}), role: 'host', streams: [], subscriptions: [] })));
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return;
      const text = raw.toString();
      if (!joined && text.startsWith('{"type":"joined"')) {
        joined = true;
        clearTimeout(deadline);
        this.sessionId = JSON.parse(text).sessionId;
        this.ws = ws;
        live.add(ws);
        this.round = 0;
        tally.connected(this.index);
        this.onFirstJoin?.();
        this.onFirstJoin = null;
      } else if (text.includes('"peer-leave"')) {
        if (tally.marked) tally.leaves += JSON.parse(text).events.filter((e) => e.type === 'peer-leave').length;
      } else if (!joined && text.includes('"SERVER_BUSY"')) {
        this.retryAfterMs = JSON.parse(text).retryAfterMs;
      }
    });
    ws.on('close', () => {
      clearTimeout(deadline);
      live.delete(ws);
      if (!joined) return this.failed();
      // The link is lost: a reconnect budget starts, and the first retry goes at once.
      this.policy.begin('reconnect');
      this.round = 0;
      this.schedule();
    });
  }

  failed() {
    if (tally.marked) tally.attempts++;
    this.schedule();
  }

  schedule() {
    const delay = this.policy.nextDelay(this.round++, this.retryAfterMs);
    this.retryAfterMs = undefined;
    if (delay === null) {
      if (tally.marked) tally.gaveUp++;
      return;
    }
    setTimeout(() => this.connect(), delay);
  }
}

exitOnStop(() => {
  for (const ws of live) ws.terminate();
});

// The heartbeats of the crowd, spread over each second as independent clients' are (the list of
// joined sockets is taken afresh every second).
const heartbeats = [];
oncePerSecondEach(heartbeats, (ts) => Buffer.from(encodeHeartbeat(ts)), (ws, frame) => ws.readyState === WebSocket.OPEN && ws.send(frame));
setInterval(() => heartbeats.splice(0, heartbeats.length, ...live), 1000);

await openAll({ count: cfg.count, firstUid: cfg.firstUid, concurrency: cfg.concurrency }, (uid, up) => clients.push(new RawClient(uid - cfg.firstUid, uid, up)));
process.send({ type: 'ready' });
