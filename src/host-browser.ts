/** Hosts for browsers: a dedicated module Worker by default, a given Worker/MessagePort, or inline. */
import type { DataMessage, EventBatch } from './boundary.js';
import { connectComlinkHost, type EnginePortPair, type HostFactory } from './engine-host.js';
import { ChannelLinkError } from './errors.js';
import { inlineHostFromApi } from './host-inline.js';

function openBrowserEnginePort(onBatch: (batch: EventBatch) => void): EnginePortPair {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = (event: MessageEvent<EventBatch>) => onBatch(event.data);
  return {
    remote: port2,
    post: (message: DataMessage, transfer: Transferable[]) => port1.postMessage(message, transfer),
    close: () => port1.close(),
  };
}

/** The worker entry as written below. Not a literal in `new URL()` here, so no bundler takes it for an asset. */
const WORKER_ENTRY = '../worker/browser-entry.js';
const BUNDLERS_HINT = 'see "Bundlers" in the channel-link README (esbuild, Rollup: pass worker: new Worker(...) of channel-link/worker.js)';

/**
 * Names the worker in errors: the URL the browser was asked to load (exact when a bundler left
 * `new URL()` as written, the case that fails), or the app's own worker.
 */
function workerName(given: unknown): string {
  if (given) return 'the worker given as options.worker';
  try {
    return new URL(WORKER_ENTRY, import.meta.url).href;
  } catch {
    return WORKER_ENTRY;
  }
}

function failureMessage(given: unknown, event: Event): string {
  const error = event as Partial<ErrorEvent>;
  if (error.message) return `engine worker failed: ${error.message}${error.filename ? ` (${error.filename}:${error.lineno ?? 0})` : ''}`;
  return `engine worker failed to load: ${workerName(given)}; ${BUNDLERS_HINT}`;
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
        if (!terminated) callbacks.onFailure(new ChannelLinkError('WORKER_FAILED', failureMessage(given, event)));
      });
    }
    const terminate = (): void => {
      terminated = true;
      if ('terminate' in worker) worker.terminate();
      else worker.close();
    };
    return connectComlinkHost(worker, options, callbacks, openBrowserEnginePort, terminate, workerName(given));
  };
}

export const browserInlineHost: HostFactory = async (options, callbacks) => {
  const { createInlineApi } = await import('../worker/browser-inline.js');
  return inlineHostFromApi(createInlineApi(), options, callbacks);
};
