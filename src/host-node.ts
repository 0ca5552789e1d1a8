/** Hosts for Node: a worker_threads worker by default, or the engine inline on this thread. */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { EventBatch, PortMessage } from './boundary.js';
import { connectComlinkHost, type EngineHost, type EnginePortPair, type HostCallbacks, type HostFactory } from './engine-host.js';
import { ChannelLinkError } from './errors.js';
import { inlineHostFromApi } from './host-inline.js';
import { processNetworkWatch } from './network-watch-node.js';
import { KeepAlive } from './node-keep-alive.js';
import type { EngineOptions } from './types.js';

const WORKER_URL = new URL('../worker/node-entry.js', import.meta.url);

function openNodeEnginePort(port1: MessagePort, port2: MessagePort, onBatch: (batch: EventBatch) => void): EnginePortPair {
  port1.on('message', onBatch);
  return {
    remote: port2,
    post: (message: PortMessage, transfer: Transferable[]) => port1.postMessage(message, transfer as never),
    close: () => port1.close(),
  };
}

export function nodeWorkerHost(worker?: Worker): HostFactory {
  return async (options: EngineOptions, callbacks: HostCallbacks): Promise<EngineHost> => {
    // The engine is plain JS: the app's own flags (--input-type, loaders) must not leak into it.
    const thread = worker ?? new Worker(WORKER_URL, { execArgv: [] });
    let terminated = false;
    const fail = (message: string, cause?: unknown) => {
      if (!terminated) callbacks.onFailure(new ChannelLinkError('WORKER_FAILED', message, { cause }));
    };
    thread.on('error', (error) => fail(`engine worker crashed: ${error.message}`, error));
    thread.on('exit', (code) => fail(`engine worker exited (code ${code})`));
    const what = worker ? 'the worker given as options.worker' : WORKER_URL.href;
    const { port1, port2 } = new MessageChannel();
    const keepAlive = new KeepAlive((on) => {
      if (on) (thread.ref(), port1.ref());
      else (thread.unref(), port1.unref());
    });
    const observed = { ...callbacks, onBatch: (batch: EventBatch) => (callbacks.onBatch(batch), keepAlive.observe(batch)) };
    const host = await connectComlinkHost(
      nodeEndpoint(thread as never),
      options,
      observed,
      (onBatch) => openNodeEnginePort(port1, port2, onBatch),
      async () => {
        terminated = true;
        await thread.terminate();
      },
      what,
    );
    keepAlive.update();
    // Node has no `online` event: the process's one network watcher signals this engine.
    const stopWatching = processNetworkWatch.subscribe(() => host.signal({ signal: 'online' }));
    return {
      ...host,
      api: keepAlive.track(host.api),
      async terminate() {
        stopWatching();
        await host.terminate();
      },
    };
  };
}

export const nodeInlineHost: HostFactory = async (options, callbacks) => {
  const { createInlineApi } = await import('../worker/node-inline.js');
  return inlineHostFromApi(createInlineApi(processNetworkWatch), options, callbacks);
};

