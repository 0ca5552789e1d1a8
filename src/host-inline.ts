/** The engine on the calling thread (`worker: 'inline'`): same API, no Comlink, batches by direct call. */
import type { EngineApi, WorkerApi } from './boundary.js';
import type { EngineHost, HostCallbacks } from './engine-host.js';
import { ChannelLinkError } from './errors.js';
import type { EngineOptions } from './types.js';

export async function inlineHostFromApi(api: WorkerApi, options: EngineOptions, callbacks: HostCallbacks): Promise<EngineHost> {
  const result = await api.init(options, { postMessage: (batch) => callbacks.onBatch(batch) });
  if (!result.ok) throw ChannelLinkError.from(result.error);
  // Comlink's view of the API, without Comlink: every member async.
  const asyncApi = Object.fromEntries(
    Object.entries(api).map(([name, fn]) => [name, async (...args: unknown[]) => (fn as (...a: unknown[]) => unknown)(...args)]),
  ) as EngineApi;
  return {
    api: asyncApi,
    isolated: false,
    send: (streamId, data) => api.send(streamId, data),
    signal: (signal) => api.signal(signal),
    terminate: async () => {},
  };
}
