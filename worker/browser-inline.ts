/** The engine API for `worker: 'inline'` in a browser (a separate chunk, loaded on demand). */
import { createWorkerApi, type WorkerApi } from './api.js';
import { browserEngineEnv } from './browser-env.js';

export const createInlineApi = (): WorkerApi => createWorkerApi(browserEngineEnv());
