// A child process of idle raw protocol clients: each joins a channel (of CHANNEL_SIZE), then only
// heartbeats at 1 Hz, as an idle SDK client does. Parent protocol over IPC:
//   env IDLE = JSON { urls: [..], count, firstUid, channelSize, prefix, churnPerSecond }
//   -> { type: 'ready', joined } once every client joined; 'stop' -> closes all and exits.
// With churnPerSecond, that many extra clients per second join, stay ~1 s, and leave.
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from 'channel-link';

const cfg = JSON.parse(process.env.IDLE);
const sockets = [];
let joined = 0;

function client(url, channel, uid, onJoined) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  ws.on('open', () => ws.send(JSON.stringify({ type: 'join', v: PROTOCOL_VERSION, appId: 'bench', channel, uid, token: null, streams: [], subscriptions: [] })));
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return;
    const frame = JSON.parse(raw.toString());
    if (frame.type === 'joined') onJoined(ws);
  });
  return ws;
}

function heartbeat() {
  const ping = () => {
    const ts = Date.now();
    for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send(`{"type":"ping","ts":${ts}}`);
  };
  setInterval(ping, 1000);
}

async function start() {
  const { urls, count, firstUid, channelSize, prefix } = cfg;
  await new Promise((resolve) => {
    if (count === 0) resolve();
    for (let i = 0; i < count; i++) {
      const uid = firstUid + i;
      const ws = client(urls[i % urls.length], `${prefix}-${Math.floor(uid / channelSize)}`, uid, () => {
        if (++joined === count) resolve();
      });
      sockets.push(ws);
    }
  });
  heartbeat();
  if (cfg.churnPerSecond) {
    let next = firstUid + count;
    setInterval(() => {
      for (let i = 0; i < cfg.churnPerSecond; i++) {
        const uid = next++;
        client(urls[uid % urls.length], `${prefix}-churn-${uid % 50}`, uid, (ws) => {
          setTimeout(() => ws.send(JSON.stringify({ type: 'leave', id: 1 })), 1000);
        });
      }
    }, 1000);
  }
  process.send({ type: 'ready', joined });
}

process.on('message', (msg) => {
  if (msg.type === 'stop') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
start();
