/** The engine on the calling thread (`worker: 'inline'`): same API, no Comlink, batches by direct call. */
import { ChannelLinkError } from './errors.js';
import type { EngineHost, HostCallbacks } from './engine-host.js';
import type { EngineOptions } from './types.js';
import type { WorkerApi } from '../worker/api.js';

export async function inlineHostFromApi(api: WorkerApi, options: EngineOptions, callbacks: HostCallbacks): Promise<EngineHost> {
  const result = api.init(options, { postMessage: (batch) => callbacks.onBatch(batch) });
  if (!result.ok) throw ChannelLinkError.from(result.error);
  const asyncApi = Object.fromEntries(
    Object.entries(api).map(([name, fn]) => [name, async (...args: unknown[]) => (fn as (...a: unknown[]) => unknown)(...args)]),
  ) as EngineHost['api'];
  const send = (streamId: string, data: string | ArrayBuffer) => {
    const result = api.send(streamId, data);
    if (!result.ok) callbacks.onBatch({ seq: result.seq, items: [{ kind: 'event', event: { type: 'exception', ...result.error } }] });
  };
  return { api: asyncApi, isolated: false, send, terminate: async () => {} };
}
