/// <reference lib="webworker" />
/** Entry of the dedicated Web Worker: exposes the engine API to the page through Comlink. */
import { expose } from 'comlink';
import { createWorkerApi } from './api.js';
import { browserEngineEnv } from './browser-env.js';

expose(createWorkerApi(browserEngineEnv()));
