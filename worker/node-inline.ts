/** The engine API for `worker: 'inline'` in Node (loaded on demand by the main-thread client). */
import { createWorkerApi, type WorkerApi } from './api.js';
import type { OnlineSource } from './env.js';
import { nodeEngineEnv } from './node-env.js';

/** `online`: the process-wide network watcher, which the inline engine, on the main thread, can use directly. */
export const createInlineApi = (online?: OnlineSource): WorkerApi => createWorkerApi(nodeEngineEnv(online));
