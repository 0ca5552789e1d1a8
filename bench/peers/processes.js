// The processes of the comparison: one server (bench/peers/server.js) and crowds of idle clients.
import { fork } from 'node:child_process';
import { once } from 'node:events';

const SERVER = new URL('./server.js', import.meta.url);
const CROWDS = {
  'channel-link': new URL('../idle-crowd.js', import.meta.url),
  'socket.io': new URL('./crowd-socketio.js', import.meta.url),
  ws: new URL('./crowd-ws.js', import.meta.url),
  // The floor server that answers channel-link's join: channel-link's own idle clients.
  'ws-join': new URL('../idle-crowd.js', import.meta.url),
};

/** Starts a server of `system` in its own process; resolves once it listens. */
export async function startPeerServer({ system, dist, redisUrl, port = 0 }) {
  const child = fork(SERVER, [], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, PEER_SERVER: JSON.stringify({ system, dist, redisUrl, port }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [msg] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`${system} server exited early (code ${code})`))),
  ]);
  const url = system === 'socket.io' ? `http://127.0.0.1:${msg.port}` : `ws://127.0.0.1:${msg.port}`;
  return {
    pid: child.pid,
    port: msg.port,
    url,
    /** RSS after a full GC, in bytes. */
    async rss() {
      child.send('memory');
      for (;;) {
        const [reply] = await once(child, 'message');
        if (reply.type === 'memory') return reply.rss;
      }
    },
    /** Graceful stop (what a restart does): resolves once the process has exited. */
    stop: () => stopChild(child, 'SIGTERM'),
    kill: () => stopChild(child, 'SIGKILL'),
  };
}

function stopChild(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = once(child, 'exit');
  child.kill(signal);
  return exited;
}

/** `count` idle clients of `system`, spread over `processes` child processes; resolves once all joined. */
export async function startCrowd({ system, url, count, processes, channelSize, heartbeat, prefix, protocolVersion }) {
  const children = [];
  const per = Math.ceil(count / processes);
  for (let i = 0; i < processes && i * per < count; i++) {
    const cfg = { urls: [url], count: Math.min(per, count - i * per), firstUid: 1 + i * per, channelSize, prefix, heartbeat, protocolVersion };
    children.push(fork(CROWDS[system], [], { env: { ...process.env, IDLE: JSON.stringify(cfg) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  const joined = await Promise.all(
    children.map((child) =>
      Promise.race([
        once(child, 'message').then(([msg]) => msg.joined),
        once(child, 'exit').then(([code]) => Promise.reject(new Error(`${system} crowd exited early (code ${code})`))),
      ]),
    ),
  );
  // A crowd that ends before it is stopped (the server ended its sessions) spoils the measurement.
  let failed = 0;
  for (const child of children) child.once('exit', (code) => (failed += code === 0 ? 0 : 1));
  return {
    joined: joined.reduce((a, b) => a + b, 0),
    pids: children.map((c) => c.pid),
    /** How many of the crowd's processes ended on their own (0 while every client is connected). */
    failed: () => failed,
    stop: () =>
      Promise.all(
        children.map((child) => {
          if (child.exitCode !== null || child.signalCode !== null) return undefined;
          const exited = once(child, 'exit');
          child.send({ type: 'stop' });
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          return exited;
        }),
      ),
  };
}
