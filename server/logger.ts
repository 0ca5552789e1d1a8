import pino, { type Logger } from 'pino';
import { defaultLogFormat, logDestination, type LogFormat } from './log-output.js';
import type { LogLevel, ResolvedOptions, ServerOptions } from './options.js';

/** The field every line of the server carries, whoever made the logger. */
export const LOG_COMPONENT = { component: 'channel-link-server' } as const;

/**
 * A pino logger at `level` writing to stdout through a destination that survives a closed pipe
 * (log-output.ts): JSON lines, or human-readable lines with format 'pretty' (default: pretty on a
 * terminal, JSON otherwise).
 */
export function baseLogger(level: LogLevel, format: LogFormat = defaultLogFormat()): Logger {
  return pino({ level }, logDestination(format));
}

/**
 * The server's logger: a child of the logger given (at that logger's own level: `logLevel` is for
 * the default logger), or of a base logger at `logLevel`. Every line then carries `component`.
 */
export function createLogger(options: Pick<ServerOptions, 'logger'>, resolved: Pick<ResolvedOptions, 'logLevel' | 'logFormat'>): Logger {
  const given = options.logger;
  if (given !== undefined && typeof given !== 'string') return given.child(LOG_COMPONENT);
  return baseLogger(resolved.logLevel, resolved.logFormat).child(LOG_COMPONENT);
}
