/** `channel-link/worker`: the engine and its parts, for hosts that run it themselves. */
export { createWorkerApi } from './api.js';
export type { DataMessage, EngineApi, EngineOutput, EnginePort, EngineStats, EventBatch, Result, WorkerApi } from '../src/boundary.js';
export { Engine } from './engine.js';
export * from './env.js';
export { ConnectionStateMachine, TRANSITIONS, IllegalTransitionError } from './connection-state.js';
export { createBackoffPolicy, type BackoffPolicy } from './backoff.js';
export { PresenceTable } from './presence.js';
