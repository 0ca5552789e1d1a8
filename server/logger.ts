import pino, { type Logger } from 'pino';
import type { LogLevel } from './options.js';

/** The server's logger: the one given, or a pino logger at `level` writing JSON lines to stdout. */
export function createLogger(logger: Logger | LogLevel | undefined, level: LogLevel): Logger {
  if (logger !== undefined && typeof logger !== 'string') return logger.child({ component: 'channel-link-server' });
  return pino({ name: 'channel-link-server', level });
}
