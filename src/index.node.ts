/** `channel-link` for Node: the engine runs on a worker_threads worker. */
import type { Worker } from 'node:worker_threads';
import { createClientWith, type ChannelClient } from './client.js';
import { nodeInlineHost, nodeWorkerHost } from './host-node.js';
import type { ClientOptions } from './options.js';

export * from './public.js';

export function createClient(options: ClientOptions): ChannelClient {
  return createClientWith((worker) => {
    if (worker === 'inline') return nodeInlineHost;
    if (worker === 'auto') return nodeWorkerHost();
    return nodeWorkerHost(worker as unknown as Worker);
  }, options);
}
