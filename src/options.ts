/** `createClient()` options: validation and defaults. */
import { ChannelLinkError } from './errors.js';
import { MAX_APP_ID_LENGTH } from './limits.js';
import { DEFAULT_ENGINE_OPTIONS, type ClientRole, type EngineOptions, type ReconnectOptions } from './types.js';
import { validatePositiveMs, validateRole, validateUrls } from './option-rules.js';

/** 'auto': a dedicated Worker in browsers, worker_threads in Node; 'inline': this thread. */
export type WorkerOption = 'auto' | 'inline' | Worker | MessagePort | { postMessage: unknown; on: unknown };

export interface ClientOptions {
  /** The server, or several (a cluster): tried in order, moving to the next when a link is lost, refused or closing. */
  url: string | readonly string[];
  appId?: string;
  heartbeatIntervalMs?: number;
  connectionTimeoutMs?: number;
  joinTimeoutMs?: number;
  reconnect?: Partial<ReconnectOptions>;
  /** 'host' (the default: announced to everyone, may publish) or 'audience' (announced to nobody, sees the hosts). */
  role?: ClientRole;
  worker?: WorkerOption;
  /**
   * Browsers: leave the channel on `pagehide` (tab closed, navigation), so peers see `peer-leave`
   * QUIT at once rather than after the server's peer timeout; a page restored from the
   * back/forward cache joins again. Default true.
   */
  leaveOnPageHide?: boolean;
}

export function resolveOptions(options: ClientOptions): { engine: EngineOptions; worker: WorkerOption; leaveOnPageHide: boolean } {
  if (typeof options !== 'object' || options === null) throw new ChannelLinkError('INVALID_PARAMS', 'createClient() needs an options object');
  const d = DEFAULT_ENGINE_OPTIONS;
  const appId = options.appId ?? d.appId;
  if (typeof appId !== 'string' || appId.length < 1 || appId.length > MAX_APP_ID_LENGTH) {
    throw new ChannelLinkError('INVALID_PARAMS', `appId must be a string of 1-${MAX_APP_ID_LENGTH} characters`);
  }
  const reconnect = options.reconnect ?? {};
  if (typeof reconnect !== 'object' || reconnect === null) throw new ChannelLinkError('INVALID_PARAMS', 'reconnect must be an object');
  const engine: EngineOptions = {
    urls: validateUrls(options.url),
    appId,
    heartbeatIntervalMs: validatePositiveMs('heartbeatIntervalMs', options.heartbeatIntervalMs, d.heartbeatIntervalMs),
    connectionTimeoutMs: validatePositiveMs('connectionTimeoutMs', options.connectionTimeoutMs, d.connectionTimeoutMs),
    joinTimeoutMs: validatePositiveMs('joinTimeoutMs', options.joinTimeoutMs, d.joinTimeoutMs),
    role: options.role === undefined ? d.role : validateRole(options.role),
    reconnect: {
      initialDelayMs: validatePositiveMs('reconnect.initialDelayMs', reconnect.initialDelayMs, d.reconnect.initialDelayMs),
      maxDelayMs: validatePositiveMs('reconnect.maxDelayMs', reconnect.maxDelayMs, d.reconnect.maxDelayMs),
      giveUpAfterMs: validatePositiveMs('reconnect.giveUpAfterMs', reconnect.giveUpAfterMs, d.reconnect.giveUpAfterMs),
    },
  };
  if (engine.reconnect.maxDelayMs < engine.reconnect.initialDelayMs) {
    throw new ChannelLinkError('INVALID_PARAMS', 'reconnect.maxDelayMs must be >= reconnect.initialDelayMs');
  }
  const worker = options.worker ?? 'auto';
  if (worker !== 'auto' && worker !== 'inline' && (typeof worker !== 'object' || worker === null || !('postMessage' in worker))) {
    throw new ChannelLinkError('INVALID_PARAMS', "worker must be 'auto', 'inline', a Worker or a MessagePort");
  }
  const leaveOnPageHide = options.leaveOnPageHide ?? true;
  if (typeof leaveOnPageHide !== 'boolean') throw new ChannelLinkError('INVALID_PARAMS', 'leaveOnPageHide must be a boolean');
  return { engine, worker, leaveOnPageHide };
}
