/** Server options, their defaults and validation. */
import type { Logger } from 'pino';
import { ChannelLinkError } from '../src/errors.js';
import type { VerifyToken } from './auth.js';
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
  /** Silence after which a member's streams are removed (stream-removed NO_DATA). Default 10000. */
  streamTimeoutMs?: number;
  /** A socket must send a valid join within this time. Default 5000. */
  joinTimeoutMs?: number;
  /** Set => tokens are required (see auth.ts). */
  appCertificate?: string;
  /** Overrides the token check derived from appCertificate. */
  verifyToken?: VerifyToken;
  /** Largest JSON control frame accepted. Default 64 KiB. */
  maxControlFrameBytes?: number;
  /** Largest binary data frame accepted. Default 1 MiB. */
  maxDataFrameBytes?: number;
  /** A pino logger, or the level of the default pino logger (same as `logLevel`). */
  logger?: Logger | LogLevel;
  /** Level of the default logger (JSON lines on stdout). Default 'info'; tests pass 'silent'. */
  logLevel?: LogLevel;
  /** Folder served over HTTP GET (e.g. the built demo); index.html for '/'. */
  staticDir?: string;
  /** Channel state; default an in-memory store. */
  store?: ChannelStore;
  /** On close(), sockets still open this long after the close frame are terminated. Default 1000. */
  closeGraceMs?: number;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  peerTimeoutMs: number;
  streamTimeoutMs: number;
  joinTimeoutMs: number;
  appCertificate: string | undefined;
  maxControlFrameBytes: number;
  maxDataFrameBytes: number;
  logLevel: LogLevel;
  staticDir: string | undefined;
  closeGraceMs: number;
}

export const DEFAULT_OPTIONS = {
  port: 8080,
  host: '127.0.0.1',
  peerTimeoutMs: 10_000,
  streamTimeoutMs: 10_000,
  joinTimeoutMs: 5_000,
  maxControlFrameBytes: 64 * 1024,
  maxDataFrameBytes: 1024 * 1024,
  logLevel: 'info',
  closeGraceMs: 1_000,
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

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
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
  if (options.staticDir !== undefined && (typeof options.staticDir !== 'string' || options.staticDir === '')) {
    invalid('staticDir must be a non-empty path');
  }
  return {
    port: integerIn('port', options.port, DEFAULT_OPTIONS.port, 0, 65535),
    host,
    peerTimeoutMs: integerIn('peerTimeoutMs', options.peerTimeoutMs, DEFAULT_OPTIONS.peerTimeoutMs, 1, maxMs),
    streamTimeoutMs: integerIn('streamTimeoutMs', options.streamTimeoutMs, DEFAULT_OPTIONS.streamTimeoutMs, 1, maxMs),
    joinTimeoutMs: integerIn('joinTimeoutMs', options.joinTimeoutMs, DEFAULT_OPTIONS.joinTimeoutMs, 1, maxMs),
    appCertificate: options.appCertificate,
    maxControlFrameBytes: integerIn('maxControlFrameBytes', options.maxControlFrameBytes, DEFAULT_OPTIONS.maxControlFrameBytes, 1024, 2 ** 30),
    maxDataFrameBytes: integerIn('maxDataFrameBytes', options.maxDataFrameBytes, DEFAULT_OPTIONS.maxDataFrameBytes, 1024, 2 ** 30),
    logLevel: level ?? DEFAULT_OPTIONS.logLevel,
    staticDir: options.staticDir,
    closeGraceMs: integerIn('closeGraceMs', options.closeGraceMs, DEFAULT_OPTIONS.closeGraceMs, 0, maxMs),
  };
}
