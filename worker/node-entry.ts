/** Entry of the Node worker_threads worker: exposes the engine API to the parent through Comlink. */
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createWorkerApi } from './api.js';
import { nodeEngineEnv } from './node-env.js';

if (!parentPort) throw new Error('channel-link: node-entry must run inside a worker_threads worker');
expose(createWorkerApi(nodeEngineEnv()), nodeEndpoint(parentPort as never));
