// Reconnect times: after a network outage (a TCP proxy between client and server stops listening
// and drops every connection for `outageMs`), and after a server restart (SIGTERM, then a new
// process on the same port). Each is timed from the moment the way to the server is back (the
// proxy listens again; the new server listens) to the moment the client is connected again.
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPeerServer } from './processes.js';

const DEADLINE_MS = 30_000;

/** A TCP proxy to 127.0.0.1:targetPort that can cut the way (stop listening, drop every connection) and restore it. */
async function startProxy(targetPort) {
  const open = new Set();
  let server = null;
  let port = 0;
  const listen = () =>
    new Promise((resolve) => {
      server = net.createServer((down) => {
        const up = net.connect(targetPort, '127.0.0.1');
        for (const s of [down, up]) {
          open.add(s);
          s.on('error', () => {});
          s.on('close', () => (open.delete(s), down.destroy(), up.destroy()));
        }
        down.pipe(up);
        up.pipe(down);
      });
      server.listen(port, '127.0.0.1', () => {
        port = server.address().port;
        resolve();
      });
    });
  await listen();
  return {
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    cut() {
      server.close();
      for (const s of open) s.destroy();
      open.clear();
    },
    restore: listen,
    close() {
      server.close();
      for (const s of open) s.destroy();
    },
  };
}

/** A connected client of the system under test, with a promise of its next (re)connection. */
async function connectClient(system, url) {
  let onUp = null;
  const nextUp = () => new Promise((resolve) => (onUp = resolve));
  if (system.server === 'socket.io') {
    const { io } = await import('socket.io-client');
    const socket = io(url, { transports: ['websocket'], forceNew: true });
    socket.on('connect', () => {
      socket.emit('join', 'reconnect');
      onUp?.(performance.now());
    });
    const first = nextUp();
    await first;
    return { nextUp, close: async () => socket.close() };
  }
  const { createClient } = await import(pathToFileURL(`${system.dist}/dist/src/index.node.js`).href);
  const client = createClient({ url });
  client.on('connection-state-change', ({ curState }) => {
    if (curState === 'CONNECTED') onUp?.(performance.now());
  });
  await client.join(null, `reconnect-${Date.now().toString(36)}`, 1);
  return { nextUp, close: () => client.destroy() };
}

function withDeadline(promise, what) {
  return Promise.race([promise, sleep(DEADLINE_MS).then(() => Promise.reject(new Error(`${what}: no reconnect within ${DEADLINE_MS} ms`)))]);
}

export async function outageReconnect(system, { outageMs }) {
  const server = await startPeerServer({ system: system.server, dist: system.dist });
  const proxy = await startProxy(server.port);
  const client = await connectClient(system, proxy.url(system.server === 'socket.io' ? 'http' : 'ws'));
  try {
    await sleep(500);
    const up = client.nextUp();
    proxy.cut();
    await sleep(outageMs);
    await proxy.restore();
    const back = performance.now();
    return (await withDeadline(up, `${system.label} outage`)) - back;
  } finally {
    await client.close();
    proxy.close();
    await server.kill();
  }
}

export async function restartReconnect(system) {
  let server = await startPeerServer({ system: system.server, dist: system.dist });
  const port = server.port;
  const client = await connectClient(system, server.url);
  try {
    await sleep(500);
    const up = client.nextUp();
    await server.stop();
    server = await startPeerServer({ system: system.server, dist: system.dist, port });
    const back = performance.now();
    return (await withDeadline(up, `${system.label} restart`)) - back;
  } finally {
    await client.close();
    await server.kill();
  }
}
