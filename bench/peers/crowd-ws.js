// A child process of idle raw `ws` clients: each sends a 9-byte binary ping once a second (spread
// over the second, as independent clients do) and the server sends it back. The floor of the
// comparison. Same IPC as bench/idle-crowd.js: env IDLE = JSON { urls, count, firstUid,
// concurrency } -> { type: 'ready', joined }; 'stop' -> exits.
import WebSocket from 'ws';

const cfg = JSON.parse(process.env.IDLE);
const sockets = [];

async function start() {
  const { urls, count, firstUid } = cfg;
  const concurrency = cfg.concurrency ?? 100;
  let open = 0;
  await new Promise((resolve) => {
    if (count === 0) return resolve();
    let started = 0;
    const next = () => {
      if (started >= count) return;
      const uid = firstUid + started++;
      const ws = new WebSocket(urls[uid % urls.length], { perMessageDeflate: false });
      ws.on('error', () => {});
      ws.on('message', () => {});
      ws.on('open', () => {
        if (++open === count) resolve();
        next();
      });
      sockets.push(ws);
    };
    for (let i = 0; i < Math.min(concurrency, count); i++) next();
  });
  let slice = 0;
  setInterval(() => {
    const frame = Buffer.alloc(9);
    frame[0] = 0x80;
    frame.writeDoubleBE(Date.now(), 1);
    for (let i = slice; i < sockets.length; i += 20) if (sockets[i].readyState === WebSocket.OPEN) sockets[i].send(frame);
    slice = (slice + 1) % 20;
  }, 50);
  process.send({ type: 'ready', joined: open });
}

process.on('message', (msg) => {
  if (msg.type === 'stop') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
start();
