// A child process of idle raw `ws` clients: each sends a 9-byte binary ping once a second (spread
// over the second, as independent clients do) and the server sends it back. The floor of the
// comparison. Same IPC as bench/idle-crowd.js: env IDLE = JSON { urls, count, firstUid,
// concurrency } -> { type: 'ready', joined }; 'stop' -> exits.
import WebSocket from 'ws';
import { exitOnStop, oncePerSecondEach, openAll } from '../crowd-kit.js';

const cfg = JSON.parse(process.env.IDLE);
const sockets = [];

async function start() {
  await openAll(cfg, (uid, up) => {
    const ws = new WebSocket(cfg.urls[uid % cfg.urls.length], { perMessageDeflate: false });
    ws.on('error', () => {});
    ws.on('message', () => {});
    ws.on('open', up);
    sockets.push(ws);
  });
  const ping = (now) => {
    const frame = Buffer.alloc(9);
    frame[0] = 0x80;
    frame.writeDoubleBE(now, 1);
    return frame;
  };
  oncePerSecondEach(sockets, ping, (ws, frame) => ws.readyState === WebSocket.OPEN && ws.send(frame));
  process.send({ type: 'ready', joined: sockets.length });
}

exitOnStop(() => {
  for (const ws of sockets) ws.terminate();
});
start();
