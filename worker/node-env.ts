/** The engine's host services in Node: `ws` for sockets, real clock and timers. */
import WebSocket from 'ws';
import { realClock, realTimers, type EngineEnv, type WebSocketConstructor } from './env.js';
import { nodeOnlineSource } from './node-online.js';

export function nodeEngineEnv(): EngineEnv {
  return {
    clock: realClock,
    timers: realTimers,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    online: nodeOnlineSource(),
    random: Math.random,
  };
}
