// A child process of idle raw protocol clients: each joins a channel (of CHANNEL_SIZE), then only
// heartbeats at 1 Hz, as an idle SDK client does. Parent protocol over IPC:
//   env IDLE = JSON { urls: [..], count, firstUid, channelSize, prefix, churnPerSecond, heartbeat, concurrency, protocolVersion }
//   -> { type: 'ready', joined } once every client joined; 'stop' -> closes all and exits.
// A join the server refuses, or a session it ends, ends the crowd (exit 1, the error on stderr) rather than wait forever.
// protocolVersion: the version the server speaks (default: this checkout's), for a server of another checkout.
// heartbeat: 'binary' (default: the SDK's heartbeat frame, src/heartbeat-frame.ts) or 'json' (the
// `ping` frame of servers before it). The heartbeats of the crowd are spread over each second, as
// those of independent clients are. At most `concurrency` joins are in flight at once.
// With churnPerSecond, that many extra clients per second join, stay ~1 s, and leave.
import WebSocket from 'ws';
import { exitOnStop, oncePerSecondEach, openAll } from './crowd-kit.js';
import { PROTOCOL_VERSION } from 'channel-link';

const cfg = JSON.parse(process.env.IDLE);
const sockets = [];
/** The clients that have joined: they heartbeat from then on (a client silent for the peer timeout would be timed out). */
const live = [];

const heartbeatMode = cfg.heartbeat ?? 'binary';
const { encodeHeartbeat } = heartbeatMode === 'binary' ? await import('../dist/src/heartbeat-frame.js') : {};
// One frame per tick, sent to each client of the slice (as bench/peers/crowd-ws.js does for the floor).
const heartbeatFrame = heartbeatMode === 'binary' ? (ts) => Buffer.from(encodeHeartbeat(ts)) : (ts) => `{"type":"ping","ts":${ts}}`;

function client(url, channel, uid, onJoined) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  const v = cfg.protocolVersion ?? PROTOCOL_VERSION;
  // Version 3 joins say the role; a server of an earlier version (BEFORE=) refuses the field.
  const role = v >= 3 ? { role: 'host' } : {};
  // Version 4 joins name the heartbeat period, as the SDK does, so the server measures the uplink.
  const period = v >= 4 ? { heartbeatMs: 1000 } : {};
  ws.on('open', () => ws.send(JSON.stringify({ type: 'join', v, appId: 'bench', channel, uid, token: null, ...role, streams: [], subscriptions: [], ...period })));
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return;
    const frame = JSON.parse(raw.toString());
    if (frame.type === 'joined') onJoined(ws);
    else if (frame.type === 'error' && frame.id === undefined) {
      process.stderr.write(`idle-crowd: the server ended uid ${uid}: ${frame.code} ${frame.message}\n`);
      process.exit(1);
    }
  });
  return ws;
}

async function start() {
  const { urls, channelSize, prefix } = cfg;
  oncePerSecondEach(live, heartbeatFrame, (ws, frame) => ws.readyState === WebSocket.OPEN && ws.send(frame));
  await openAll(cfg, (uid, up) => {
    const ws = client(urls[uid % urls.length], `${prefix}-${Math.floor(uid / channelSize)}`, uid, () => {
      live.push(ws);
      up();
    });
    sockets.push(ws);
  });
  if (cfg.churnPerSecond) {
    let next = cfg.firstUid + cfg.count;
    setInterval(() => {
      for (let i = 0; i < cfg.churnPerSecond; i++) {
        const uid = next++;
        client(urls[uid % urls.length], `${prefix}-churn-${uid % 50}`, uid, (ws) => {
          setTimeout(() => ws.send(JSON.stringify({ type: 'leave', id: 1 })), 1000);
        });
      }
    }, 1000);
  }
  process.send({ type: 'ready', joined: live.length });
}

exitOnStop(() => {
  for (const ws of sockets) ws.terminate();
});
start();
