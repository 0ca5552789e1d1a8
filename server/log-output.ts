/**
 * Where the server's log lines go: the process's stdout, written through its stream so that
 * nothing ever blocks or loops on it. An error of the stream (EPIPE: whoever read our stdout went
 * away) ends the output for good: later lines are dropped, the server keeps serving and can still
 * exit on a signal. (pino's default sonic-boom destination retries a failed flush forever in its
 * exit handler, which wedged the process.) A reader that stops reading costs a bounded backlog.
 */
import pinoPretty from 'pino-pretty';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Lines queued for a reader that does not keep up beyond this are dropped, not buffered. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

interface StreamState {
  broken: boolean;
}

const guarded = new WeakMap<NodeJS.WritableStream, StreamState>();

/**
 * Makes an error of `stream` (EPIPE, EBADF...) mark it broken instead of throwing an uncaught
 * exception. Idempotent: one listener per stream, however many servers share it.
 */
export function guardStream(stream: NodeJS.WritableStream): StreamState {
  let state = guarded.get(stream);
  if (!state) {
    const created: StreamState = { broken: false };
    stream.on('error', () => {
      created.broken = true;
    });
    guarded.set(stream, created);
    state = created;
  }
  return state;
}

export function isLogFormat(value: unknown): value is LogFormat {
  return typeof value === 'string' && (LOG_FORMATS as readonly string[]).includes(value);
}

/** JSON lines, unless the stream is a terminal (a person reads it): then human-readable lines. */
export function defaultLogFormat(stream: NodeJS.WriteStream = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/** A pino destination: every line once, in order, in one format; never throws, never blocks. */
export interface LogDestination {
  write(line: string): void;
}

export function logDestination(format: LogFormat, stream: NodeJS.WriteStream = process.stdout): LogDestination {
  const state = guardStream(stream);
  const prettify =
    format === 'pretty'
      ? pinoPretty.prettyFactory({ colorize: stream.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,component' })
      : null;
  return {
    write(line: string): void {
      if (state.broken || stream.writableEnded) return;
      if (stream.writableLength > MAX_BACKLOG_BYTES) return;
      stream.write(prettify ? prettify(line) : line);
    },
  };
}

/**
 * Exits once what was written to stdout has been handed to the OS, or after `maxWaitMs` if its
 * reader does not take it (a broken pipe: at once).
 */
export function exitWhenFlushed(code: number, maxWaitMs = 1_000, stream: NodeJS.WriteStream = process.stdout): void {
  const state = guardStream(stream);
  if (state.broken || stream.writableLength === 0) process.exit(code);
  setTimeout(() => process.exit(code), maxWaitMs);
  // Chunks are written in order: this one's callback runs once everything before it is out.
  stream.write('', () => process.exit(code));
}
