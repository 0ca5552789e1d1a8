/** Server options, their defaults and validation. */
import type { Logger } from 'pino';
import { ChannelLinkError } from '../src/errors.js';
import { DEFAULT_MAX_CONTROL_FRAME_BYTES } from '../src/limits.js';
import type { VerifyToken } from './auth.js';
import { isLogFormat, type LogFormat } from './log-output.js';
import type { ChannelStore } from './store.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerOptions {
  /** TCP port; 0 picks a free one (read it back from `server.port`). Default 8080. */
  port?: number;
  /** Interface to bind. Default '127.0.0.1'. */
  host?: string;
  /** Silence after which a member is removed (peer-leave SERVER_TIMEOUT). Default 10000. */
  peerTimeoutMs?: number;
  /** Silence after which a member's streams are removed (stream-removed NO_DATA); at most peerTimeoutMs. Default 10000, or peerTimeoutMs if less. */
  streamTimeoutMs?: number;
  /** A socket must send a valid join within this time. Default 5000. */
  joinTimeoutMs?: number;
  /** Set => signed tokens are required (HS256 JWTs: docs/backend.md, Tokens); unset (and no tokenPublicKey) => the server is open to anyone. */
  appCertificate?: string;
  /** A backend's public key (PEM text, or a path to a PEM file): RS256, ES256 or EdDSA tokens signed with its private key are accepted too. */
  tokenPublicKey?: string | Buffer;
  /** Enables the server API under /v1/ on the main port (`Authorization: Bearer <apiSecret>`); unset: /v1/ answers 404. */
  apiSecret?: string;
  /** Every event the server decides is POSTed, signed, to each of these http(s) URLs (docs/backend.md, Webhooks). */
  webhookUrls?: readonly string[];
  /** The secret webhooks are signed with; required with webhookUrls. */
  webhookSecret?: string;
  /** An event undelivered this long is dropped. Default 600000 (10 min). */
  webhookRetryMs?: number;
  /** Overrides the token check derived from appCertificate. */
  verifyToken?: VerifyToken;
  /** Largest JSON control frame accepted. Default 96 KiB (a join frame with 1024 subscriptions and their positions fits). */
  maxControlFrameBytes?: number;
  /** Largest binary data frame accepted. Default 1 MiB. */
  maxDataFrameBytes?: number;
  /** A pino logger, or the level of the default pino logger (same as `logLevel`). */
  logger?: Logger | LogLevel;
  /** Level of the default logger (JSON lines on stdout); a given `logger` keeps its own. Default 'info'; tests pass 'silent'. */
  logLevel?: LogLevel;
  /** Format of the default logger: 'json' lines, or 'pretty' human-readable lines. Default: pretty on a terminal, else json. */
  logFormat?: LogFormat;
  /** Serve Prometheus metrics (`GET /metrics`; on the main port to loopback clients only). Default false. */
  metrics?: boolean;
  /** Serve `GET /metrics` on this port instead, to any client (0: any free port; implies `metrics`). */
  metricsPort?: number;
  /** Interface of the metrics port. Default: `host`. */
  metricsHost?: string;
  /** Folder served over HTTP GET (e.g. the built demo); index.html for '/'. */
  staticDir?: string;
  /** Channel state; default an in-memory store. */
  store?: ChannelStore;
  /** On close(), sockets still open this long after the close frame are terminated. Default 1000. */
  closeGraceMs?: number;
  /** `token-will-expire` is sent this long before a token expires. Default 30000. */
  tokenWillExpireMs?: number;
  /** Control (JSON) frames per second a connection may send, sustained. Default 100. */
  controlRatePerSecond?: number;
  /** Control frames a connection may send at once. Default 200. */
  controlBurst?: number;
  /** Data (binary) frames per second a connection may send, sustained. Default 2000. */
  dataRatePerSecond?: number;
  /** Data frames a connection may send at once. Default 4000. */
  dataBurst?: number;
  /** Frames dropped by the rate limits within 10 s before the connection is closed (4429). Default 200. */
  rateLimitMaxDropped?: number;
  /** A socket whose unsent output passes this many bytes (a slow consumer) is closed (4430). Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Browser origins allowed to open a WebSocket (exact `scheme://host[:port]`); default any. */
  allowedOrigins?: readonly string[];
  /** Hosts per channel; a host join (or a move to host) beyond is refused with CHANNEL_FULL (4510). Default 1000. */
  maxPeersPerChannel?: number;
  /** Audience members per channel; an audience join beyond is refused with CHANNEL_FULL. Default 100000. */
  maxAudiencePerChannel?: number;
  /** How long each stream's recent messages are kept for subscribers that resume (the continuity window). Default peerTimeoutMs. */
  streamBufferMs?: number;
  /** At most this many messages kept per stream. Default 10000. */
  streamBufferMessages?: number;
  /** At most this many bytes kept per stream. Default 1 MiB. */
  streamBufferBytes?: number;
  /** TLS certificate chain (PEM text, or a path to a PEM file); with tlsKey, serve wss:// and https://. */
  tlsCert?: string | Buffer;
  /** TLS private key (PEM text, or a path to a PEM file). */
  tlsKey?: string | Buffer;
  /** Answer `GET /stats` (counts, counters, memory) to loopback clients. Default false. */
  statsEndpoint?: boolean;
  /** `redis://` or `rediss://` URL: this node joins the cluster of every node on that Redis. Default: none (in memory). */
  redisUrl?: string;
  /** 'host:port' of some masters of a Redis Cluster: this node joins the cluster of every node on it (instead of redisUrl). Default: none. */
  redisCluster?: readonly string[];
  /** Prefix of every Redis key and pub/sub channel, so several clusters can share one Redis. Default 'cl:'. */
  redisPrefix?: string;
  /** A cluster node silent this long counts as dead: a survivor adopts its members. Default 3000. */
  nodeTtlMs?: number;
  /** Joins handled at once; as many more wait (resumes first), the rest are deferred with SERVER_BUSY (4453) and a wait. Default 64. */
  maxJoinsInFlight?: number;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  peerTimeoutMs: number;
  streamTimeoutMs: number;
  joinTimeoutMs: number;
  appCertificate: string | undefined;
  apiSecret: string | undefined;
  webhookUrls: readonly string[];
  webhookSecret: string | undefined;
  webhookRetryMs: number;
  /** PEM text or path, as given (token-verify.ts loads it). */
  tokenPublicKey: string | Buffer | undefined;
  maxControlFrameBytes: number;
  maxDataFrameBytes: number;
  logLevel: LogLevel;
  logFormat: LogFormat | undefined;
  /** null: no metrics; port null: on the main port. */
  metrics: { port: number | null; host: string } | null;
  staticDir: string | undefined;
  closeGraceMs: number;
  tokenWillExpireMs: number;
  controlRatePerSecond: number;
  controlBurst: number;
  dataRatePerSecond: number;
  dataBurst: number;
  rateLimitMaxDropped: number;
  maxBufferedBytes: number;
  /** Normalized origins, or null: any origin. */
  allowedOrigins: readonly string[] | null;
  maxPeersPerChannel: number;
  maxAudiencePerChannel: number;
  streamBufferMs: number;
  streamBufferMessages: number;
  streamBufferBytes: number;
  statsEndpoint: boolean;
  redisUrl: string | undefined;
  redisCluster: readonly string[] | undefined;
  redisPrefix: string;
  nodeTtlMs: number;
  maxJoinsInFlight: number;
}

export const DEFAULT_OPTIONS = {
  port: 8080,
  host: '127.0.0.1',
  peerTimeoutMs: 10_000,
  streamTimeoutMs: 10_000,
  joinTimeoutMs: 5_000,
  maxControlFrameBytes: DEFAULT_MAX_CONTROL_FRAME_BYTES,
  maxDataFrameBytes: 1024 * 1024,
  logLevel: 'info',
  closeGraceMs: 1_000,
  tokenWillExpireMs: 30_000,
  controlRatePerSecond: 100,
  controlBurst: 200,
  dataRatePerSecond: 2_000,
  dataBurst: 4_000,
  rateLimitMaxDropped: 200,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxPeersPerChannel: 1_000,
  maxAudiencePerChannel: 100_000,
  streamBufferMessages: 10_000,
  streamBufferBytes: 1024 * 1024,
  statsEndpoint: false,
  redisPrefix: 'cl:',
  nodeTtlMs: 3_000,
  maxJoinsInFlight: 64,
  webhookRetryMs: 600_000,
} as const satisfies Partial<ResolvedOptions>;

const invalid = (message: string): never => {
  throw new ChannelLinkError('INVALID_PARAMS', message);
};

function integerIn(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return invalid(`${name} must be an integer ${min}-${max}`);
  }
  return value;
}

/** `scheme://host[:port]`, lower case, as browsers send it; null if `value` is no such origin. */
export function normalizeOrigin(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? null : origin.toLowerCase();
  } catch {
    return null;
  }
}

function resolveOrigins(value: unknown): readonly string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) return invalid('allowedOrigins must be an array of origins');
  return value.map((origin: unknown) => {
    const normalized = typeof origin === 'string' ? normalizeOrigin(origin) : null;
    return normalized ?? invalid(`allowedOrigins: not an origin: ${String(origin)}`);
  });
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

function resolveMetrics(options: ServerOptions, host: string): ResolvedOptions['metrics'] {
  if (options.metrics !== undefined && typeof options.metrics !== 'boolean') invalid('metrics must be a boolean');
  if (options.metricsHost !== undefined && (typeof options.metricsHost !== 'string' || options.metricsHost === '')) {
    invalid('metricsHost must be a non-empty string');
  }
  const port = options.metricsPort === undefined ? null : integerIn('metricsPort', options.metricsPort, 0, 0, 65535);
  if (options.metrics === false || (options.metrics !== true && port === null)) return null;
  return { port, host: options.metricsHost ?? host };
}

/** Validates and completes the options; throws ChannelLinkError INVALID_PARAMS. */
export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const maxMs = 2 ** 31 - 1; // setTimeout's limit
  const host = options.host ?? DEFAULT_OPTIONS.host;
  if (typeof host !== 'string' || host.length === 0) invalid('host must be a non-empty string');
  const level = typeof options.logger === 'string' ? options.logger : options.logLevel;
  if (level !== undefined && !isLogLevel(level)) invalid(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  if (options.appCertificate !== undefined && typeof options.appCertificate !== 'string') {
    invalid('appCertificate must be a string');
  }
  if (options.apiSecret !== undefined && (typeof options.apiSecret !== 'string' || options.apiSecret.length < 16)) {
    invalid('apiSecret must be a string of at least 16 characters (e.g. `openssl rand -hex 32`)');
  }
  if (options.logFormat !== undefined && !isLogFormat(options.logFormat)) invalid("logFormat must be 'json' or 'pretty'");
  if (options.statsEndpoint !== undefined && typeof options.statsEndpoint !== 'boolean') invalid('statsEndpoint must be a boolean');
  if (options.staticDir !== undefined && (typeof options.staticDir !== 'string' || options.staticDir === '')) {
    invalid('staticDir must be a non-empty path');
  }
  const peerTimeoutMs = integerIn('peerTimeoutMs', options.peerTimeoutMs, DEFAULT_OPTIONS.peerTimeoutMs, 1, maxMs);
  // A stream cannot outlive its member: the default follows a shorter peer timeout, a longer value is refused.
  const streamTimeoutMs = integerIn('streamTimeoutMs', options.streamTimeoutMs, Math.min(DEFAULT_OPTIONS.streamTimeoutMs, peerTimeoutMs), 1, maxMs);
  if (streamTimeoutMs > peerTimeoutMs) {
    invalid(`streamTimeoutMs (${streamTimeoutMs}) must not exceed peerTimeoutMs (${peerTimeoutMs}): a stream cannot outlive its member`);
  }
  if (options.redisUrl !== undefined && (typeof options.redisUrl !== 'string' || !/^rediss?:\/\/./.test(options.redisUrl))) {
    invalid('redisUrl must be a redis:// or rediss:// URL');
  }
  const redisCluster = resolveRedisCluster(options.redisCluster);
  if (redisCluster && options.redisUrl !== undefined) invalid('redisUrl and redisCluster exclude each other: give one');
  const prefix = options.redisPrefix ?? DEFAULT_OPTIONS.redisPrefix;
  // Braces would change the keys' hash tags (docs/cluster.md, Keys).
  if (typeof prefix !== 'string' || prefix.length > 64 || /[\s{}]/.test(prefix)) invalid('redisPrefix must be a string of at most 64 characters without spaces or braces');
  return {
    port: integerIn('port', options.port, DEFAULT_OPTIONS.port, 0, 65535),
    host,
    peerTimeoutMs,
    streamTimeoutMs,
    joinTimeoutMs: integerIn('joinTimeoutMs', options.joinTimeoutMs, DEFAULT_OPTIONS.joinTimeoutMs, 1, maxMs),
    appCertificate: options.appCertificate,
    tokenPublicKey: options.tokenPublicKey,
    apiSecret: options.apiSecret || undefined,
    ...resolveWebhooks(options),
    maxControlFrameBytes: integerIn('maxControlFrameBytes', options.maxControlFrameBytes, DEFAULT_OPTIONS.maxControlFrameBytes, 1024, 2 ** 30),
    maxDataFrameBytes: integerIn('maxDataFrameBytes', options.maxDataFrameBytes, DEFAULT_OPTIONS.maxDataFrameBytes, 1024, 2 ** 30),
    logLevel: level ?? DEFAULT_OPTIONS.logLevel,
    logFormat: options.logFormat,
    metrics: resolveMetrics(options, host),
    staticDir: options.staticDir,
    closeGraceMs: integerIn('closeGraceMs', options.closeGraceMs, DEFAULT_OPTIONS.closeGraceMs, 0, maxMs),
    tokenWillExpireMs: integerIn('tokenWillExpireMs', options.tokenWillExpireMs, DEFAULT_OPTIONS.tokenWillExpireMs, 0, maxMs),
    controlRatePerSecond: integerIn('controlRatePerSecond', options.controlRatePerSecond, DEFAULT_OPTIONS.controlRatePerSecond, 1, 1e6),
    controlBurst: integerIn('controlBurst', options.controlBurst, DEFAULT_OPTIONS.controlBurst, 1, 1e6),
    dataRatePerSecond: integerIn('dataRatePerSecond', options.dataRatePerSecond, DEFAULT_OPTIONS.dataRatePerSecond, 1, 1e6),
    dataBurst: integerIn('dataBurst', options.dataBurst, DEFAULT_OPTIONS.dataBurst, 1, 1e6),
    rateLimitMaxDropped: integerIn('rateLimitMaxDropped', options.rateLimitMaxDropped, DEFAULT_OPTIONS.rateLimitMaxDropped, 0, 1e9),
    maxBufferedBytes: integerIn('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_OPTIONS.maxBufferedBytes, 64 * 1024, 2 ** 31),
    allowedOrigins: resolveOrigins(options.allowedOrigins),
    maxPeersPerChannel: integerIn('maxPeersPerChannel', options.maxPeersPerChannel, DEFAULT_OPTIONS.maxPeersPerChannel, 1, 1e7),
    maxAudiencePerChannel: integerIn('maxAudiencePerChannel', options.maxAudiencePerChannel, DEFAULT_OPTIONS.maxAudiencePerChannel, 0, 1e8),
    streamBufferMs: integerIn('streamBufferMs', options.streamBufferMs, peerTimeoutMs, 0, maxMs),
    streamBufferMessages: integerIn('streamBufferMessages', options.streamBufferMessages, DEFAULT_OPTIONS.streamBufferMessages, 0, 1e7),
    streamBufferBytes: integerIn('streamBufferBytes', options.streamBufferBytes, DEFAULT_OPTIONS.streamBufferBytes, 0, 2 ** 31),
    statsEndpoint: options.statsEndpoint ?? DEFAULT_OPTIONS.statsEndpoint,
    redisUrl: options.redisUrl,
    redisCluster,
    redisPrefix: prefix,
    nodeTtlMs: integerIn('nodeTtlMs', options.nodeTtlMs, DEFAULT_OPTIONS.nodeTtlMs, 150, 600_000),
    maxJoinsInFlight: integerIn('maxJoinsInFlight', options.maxJoinsInFlight, DEFAULT_OPTIONS.maxJoinsInFlight, 1, 1e6),
  };
}

/** Webhook URLs (http or https, at most 16), their secret (required with them) and the retry window. */
function resolveWebhooks(options: ServerOptions): Pick<ResolvedOptions, 'webhookUrls' | 'webhookSecret' | 'webhookRetryMs'> {
  const urls = options.webhookUrls ?? [];
  if (!Array.isArray(urls) || urls.length > 16) invalid('webhookUrls must be an array of at most 16 URLs');
  for (const url of urls) {
    let ok = false;
    try {
      ok = typeof url === 'string' && /^https?:$/.test(new URL(url).protocol);
    } catch {
      // reported below
    }
    if (!ok) invalid(`webhookUrls: not an http(s) URL: ${String(url)}`);
  }
  const secret = options.webhookSecret || undefined;
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16)) invalid('webhookSecret must be a string of at least 16 characters');
  if (urls.length > 0 && secret === undefined) invalid('webhookUrls need a webhookSecret (--webhook-secret) to sign them');
  return {
    webhookUrls: [...urls],
    webhookSecret: secret,
    webhookRetryMs: integerIn('webhookRetryMs', options.webhookRetryMs, DEFAULT_OPTIONS.webhookRetryMs, 0, 24 * 3600 * 1000),
  };
}

/** 'host:port' entries of a Redis Cluster (at least one), or undefined without the option. */
function resolveRedisCluster(nodes: unknown): readonly string[] | undefined {
  if (nodes === undefined) return undefined;
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n) => typeof n === 'string' && isHostPort(n))) {
    invalid("redisCluster must be a non-empty array of 'host:port' strings");
  }
  return [...(nodes as string[])];
}

/** 'host:port' with a port in 1-65535. */
export function isHostPort(text: string): boolean {
  const m = /^([^\s:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(text);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}
