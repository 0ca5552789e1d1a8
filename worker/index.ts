/** `channel-link/worker`: the engine and its parts, for hosts that run it themselves. */
export { createWorkerApi, type WorkerApi, type Result, type EngineStats } from './api.js';
export { Engine, type EngineOutput } from './engine.js';
export type { EventBatch, BatchPort } from './event-batcher.js';
export * from './env.js';
export { ConnectionStateMachine, TRANSITIONS, IllegalTransitionError } from './connection-state.js';
export { createBackoffPolicy, type BackoffPolicy } from './backoff.js';
export { PresenceTable } from './presence.js';
