// A child process of idle Socket.IO clients (websocket transport only): each joins a room of
// `channelSize` (the server emits presence to the room), then only answers the server's pings.
// Same IPC as bench/idle-crowd.js: env IDLE = JSON { urls, count, firstUid, channelSize, prefix,
// concurrency } -> { type: 'ready', joined }; 'stop' -> exits.
import { io } from 'socket.io-client';

const cfg = JSON.parse(process.env.IDLE);
const sockets = [];

function client(url, room, onJoined) {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  socket.on('connect', () => socket.emit('join', room, () => onJoined()));
  socket.on('presence', () => {});
  return socket;
}

async function start() {
  const { urls, count, firstUid, channelSize, prefix } = cfg;
  const concurrency = cfg.concurrency ?? 100;
  let joined = 0;
  await new Promise((resolve) => {
    if (count === 0) return resolve();
    let started = 0;
    const next = () => {
      if (started >= count) return;
      const uid = firstUid + started++;
      sockets.push(
        client(urls[uid % urls.length], `${prefix}-${Math.floor(uid / channelSize)}`, () => {
          if (++joined === count) resolve();
          next();
        }),
      );
    };
    for (let i = 0; i < Math.min(concurrency, count); i++) next();
  });
  process.send({ type: 'ready', joined });
}

process.on('message', (msg) => {
  if (msg.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
start();
