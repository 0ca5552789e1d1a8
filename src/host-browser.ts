/** Hosts for browsers: a dedicated module Worker by default, a given Worker/MessagePort, or inline. */
import type { EventBatch, PortMessage } from './boundary.js';
import { connectComlinkHost, type EnginePortPair, type HostFactory } from './engine-host.js';
import { ChannelLinkError } from './errors.js';
import { inlineHostFromApi } from './host-inline.js';

function openBrowserEnginePort(onBatch: (batch: EventBatch) => void): EnginePortPair {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = (event: MessageEvent<EventBatch>) => onBatch(event.data);
  return {
    remote: port2,
    post: (message: PortMessage, transfer: Transferable[]) => port1.postMessage(message, transfer),
    close: () => port1.close(),
  };
}

export function browserWorkerHost(given?: Worker | MessagePort): HostFactory {
  return async (options, callbacks) => {
    // The `new Worker(new URL(...), { type: 'module' })` form is what bundlers recognise and emit.
    const worker =
      given ?? new Worker(new URL('../worker/browser-entry.js', import.meta.url), { type: 'module', name: 'channel-link' });
    let terminated = false;
    if ('terminate' in worker) {
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        if (!terminated) callbacks.onFailure(new ChannelLinkError('WORKER_FAILED', `engine worker failed: ${event.message || 'load error'}`));
      });
    }
    return connectComlinkHost(worker, options, callbacks, openBrowserEnginePort, () => {
      terminated = true;
      if ('terminate' in worker) worker.terminate();
      else worker.close();
    });
  };
}

export const browserInlineHost: HostFactory = async (options, callbacks) => {
  const { createInlineApi } = await import('../worker/browser-inline.js');
  return inlineHostFromApi(createInlineApi(), options, callbacks);
};
