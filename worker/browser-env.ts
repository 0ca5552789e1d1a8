/** The engine's host services in a browser (inside the dedicated Worker, or inline on the page). */
import { eventTargetOnlineSource, realClock, realTimers, type EngineEnv, type WebSocketConstructor } from './env.js';

export function browserEngineEnv(): EngineEnv {
  return {
    clock: realClock,
    timers: realTimers,
    WebSocket: globalThis.WebSocket as unknown as WebSocketConstructor,
    online: eventTargetOnlineSource(globalThis as unknown as EventTarget),
    random: Math.random,
  };
}
