/** The engine's host services in Node: `ws` for sockets, real clock and timers, Node's socket errors worded. */
import WebSocket from 'ws';
import { describeNodeSocketError } from './node-socket-error.js';
import { noOnlineSignal, realClock, realTimers, type EngineEnv, type OnlineSource, type WebSocketConstructor } from './env.js';

/**
 * `online`: where the "network is back" signal comes from. The main thread runs the one network
 * watcher of the process (src/network-watch-node.ts): an inline engine subscribes to it directly,
 * a worker_threads engine hears it as an `online` signal on its engine port (worker/api.ts).
 */
export function nodeEngineEnv(online: OnlineSource = noOnlineSignal): EngineEnv {
  return {
    clock: realClock,
    timers: realTimers,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    online,
    random: Math.random,
    describeSocketError: describeNodeSocketError,
  };
}
