/** The engine API for `worker: 'inline'` in Node (loaded on demand by the main-thread client). */
import { createWorkerApi, type WorkerApi } from './api.js';
import { nodeEngineEnv } from './node-env.js';

export const createInlineApi = (): WorkerApi => createWorkerApi(nodeEngineEnv());
