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

const BUNDLERS_HINT = 'see "Bundlers" in the channel-link README (esbuild, Rollup: pass worker: new Worker(...) of channel-link/worker.js)';
const GIVEN = 'the worker given as options.worker';

/**
 * Starts the package's own worker, and notes the URL the browser was asked to load, for errors.
 * The `new Worker(new URL('...', import.meta.url), { type: 'module' })` form must stay as it is:
 * it is what bundlers recognise and rewrite. What it resolved to is seen by briefly standing in
 * for the global Worker (synchronous: nothing else runs meanwhile).
 */
function startPackagedWorker(): { worker: Worker; url: string } {
  const Native = globalThis.Worker;
  let url = 'channel-link/worker/browser-entry.js';
  try {
    globalThis.Worker = class extends Native {
      constructor(scriptUrl: string | URL, options?: WorkerOptions) {
        url = String(scriptUrl);
        super(scriptUrl, options);
      }
    };
  } catch {
    // A frozen global: start the worker all the same, without the URL.
  }
  try {
    const worker = new Worker(new URL('../worker/browser-entry.js', import.meta.url), { type: 'module', name: 'channel-link' });
    return { worker, url };
  } finally {
    if (globalThis.Worker !== Native) globalThis.Worker = Native;
  }
}

function failureMessage(what: string, event: Event): string {
  const error = event as Partial<ErrorEvent>;
  if (error.message) return `engine worker failed: ${error.message}${error.filename ? ` (${error.filename}:${error.lineno ?? 0})` : ''}`;
  return `engine worker failed to load: ${what}; ${BUNDLERS_HINT}`;
}

export function browserWorkerHost(given?: Worker | MessagePort): HostFactory {
  return async (options, callbacks) => {
    const { worker, url } = given ? { worker: given, url: GIVEN } : startPackagedWorker();
    let terminated = false;
    if ('terminate' in worker) {
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        if (!terminated) callbacks.onFailure(new ChannelLinkError('WORKER_FAILED', failureMessage(url, event)));
      });
    }
    const terminate = (): void => {
      terminated = true;
      if ('terminate' in worker) worker.terminate();
      else worker.close();
    };
    return connectComlinkHost(worker, options, callbacks, openBrowserEnginePort, terminate, url);
  };
}

export const browserInlineHost: HostFactory = async (options, callbacks) => {
  const { createInlineApi } = await import('../worker/browser-inline.js');
  return inlineHostFromApi(createInlineApi(), options, callbacks);
};
