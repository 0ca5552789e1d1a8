// One server of the comparison, in its own process (started by bench/peers.js with --expose-gc).
// env PEER_SERVER = JSON { system: 'channel-link' | 'socket.io' | 'ws' | 'ws-join', port, dist?, redisUrl? }
// IPC out: { type: 'listening', port }; in: 'memory' -> { type: 'memory', rss } (after a full GC),
// 'stop' -> graceful close, then exit. SIGTERM: the same graceful close.
import { pathToFileURL } from 'node:url';

const cfg = JSON.parse(process.env.PEER_SERVER);
const host = '127.0.0.1';

async function channelLink() {
  const { startServer } = await import(pathToFileURL(`${cfg.dist}/dist/server/index.js`).href);
  const server = await startServer({ port: cfg.port, host, logLevel: 'error', ...(cfg.redisUrl ? { redisUrl: cfg.redisUrl } : {}) });
  return { port: server.port, close: () => server.close() };
}

async function socketIo() {
  const { Server } = await import('socket.io');
  const io = new Server(cfg.port, { pingInterval: 1000, transports: ['websocket'], serveClient: false });
  io.on('connection', (socket) => {
    // Rooms of 10 with a presence emit: the closest Socket.IO has to a channel with peer-online/leave.
    socket.on('join', (room, ack) => {
      socket.data.room = room;
      socket.join(room);
      socket.to(room).emit('presence', { id: socket.id, online: true });
      if (typeof ack === 'function') ack();
    });
    socket.on('m', (data) => {
      if (socket.data.room) socket.to(socket.data.room).emit('m', data);
    });
    socket.on('disconnect', () => {
      if (socket.data.room) io.to(socket.data.room).emit('presence', { id: socket.id, online: false });
    });
  });
  await new Promise((resolve) => (io.httpServer.listening ? resolve() : io.httpServer.once('listening', resolve)));
  return { port: io.httpServer.address().port, close: () => new Promise((resolve) => io.close(() => resolve())) };
}

async function rawWs({ answerJoin = false } = {}) {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ port: cfg.port, host, perMessageDeflate: false });
  // The floor: every message (the client's 1 Hz ping) is answered by sending it back (the pong).
  // With answerJoin, a text frame (channel-link's join) is answered `joined` instead: the same floor,
  // driven by the very clients channel-link has (bench/idle-crowd.js), so only the server differs.
  wss.on('connection', (ws) =>
    ws.on('message', (data, isBinary) => {
      if (isBinary || !answerJoin) ws.send(data);
      else ws.send('{"type":"joined"}');
    }),
  );
  await new Promise((resolve) => wss.once('listening', resolve));
  return {
    port: wss.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

const start = { 'channel-link': channelLink, 'socket.io': socketIo, ws: () => rawWs(), 'ws-join': () => rawWs({ answerJoin: true }) }[cfg.system];
const server = await start();
let stopping = null;
const stop = () => {
  stopping ??= server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('message', (msg) => {
  if (msg === 'stop') stop();
  else if (msg === 'memory') {
    globalThis.gc?.();
    globalThis.gc?.();
    process.send({ type: 'memory', rss: process.memoryUsage.rss(), heapUsed: process.memoryUsage().heapUsed });
  }
});
process.on('disconnect', stop);
process.send({ type: 'listening', port: server.port });
