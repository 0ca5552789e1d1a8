// A child process of idle Socket.IO clients (websocket transport only): each joins a room of
// `channelSize` (the server emits presence to the room), then only answers the server's pings.
// Same IPC as bench/idle-crowd.js: env IDLE = JSON { urls, count, firstUid, channelSize, prefix,
// concurrency } -> { type: 'ready', joined }; 'stop' -> exits.
import { io } from 'socket.io-client';
import { exitOnStop, openAll } from '../crowd-kit.js';

const cfg = JSON.parse(process.env.IDLE);
const sockets = [];

function client(url, room, onJoined) {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  socket.on('connect', () => socket.emit('join', room, () => onJoined()));
  socket.on('presence', () => {});
  return socket;
}

async function start() {
  const { urls, channelSize, prefix } = cfg;
  await openAll(cfg, (uid, up) => sockets.push(client(urls[uid % urls.length], `${prefix}-${Math.floor(uid / channelSize)}`, up)));
  process.send({ type: 'ready', joined: sockets.length });
}

exitOnStop();
start();
