/** `channel-link` for browsers (and bundlers): the engine runs in a dedicated module Worker. */
import { createClientWith, type ChannelClient } from './client.js';
import { browserInlineHost, browserWorkerHost } from './host-browser.js';
import type { ClientOptions } from './options.js';
import { windowPageLifecycle } from './page-leave.js';

export * from './public.js';

export function createClient(options: ClientOptions): ChannelClient {
  return createClientWith((worker) => {
    if (worker === 'inline') return browserInlineHost;
    if (worker === 'auto') return browserWorkerHost();
    return browserWorkerHost(worker as Worker | MessagePort);
  }, options, windowPageLifecycle());
}
