#!/usr/bin/env node
/**
 * channel-link-server: starts the signaling server from flags and CHANNEL_LINK_* variables;
 * `channel-link-server token ...` prints a signed token instead.
 * Exit codes: 0 after help, --version or a graceful stop (SIGINT/SIGTERM), 2 for bad parameters
 * (a port already in use or privileged included), 1 otherwise. Everything the running server says is a log line (one format, on stdout); only a
 * refused command line is a plain `error CODE: message` line on stderr.
 */
import { ChannelLinkError } from '../src/errors.js';
import { parseCli } from './cli-options.js';
import { startServer, type ChannelLinkServer } from './index.js';
import { exitWhenFlushed, guardStream } from './log-output.js';
import { baseLogger, LOG_COMPONENT } from './logger.js';
import { DEFAULT_OPTIONS } from './options.js';
import { createToken } from './tokens.js';

// Before anything is written: a reader of stdout or stderr that goes away (`| head -1`) must
// neither crash this process (EPIPE) nor keep it from exiting.
guardStream(process.stdout);
guardStream(process.stderr);

function fail(code: string, message: string, exitCode: number): never {
  process.stderr.write(`error ${code}: ${message}\n`);
  process.exit(exitCode);
}

/**
 * A port or host this process may not listen on is a bad parameter, said in one line: taken by
 * another process, privileged, or an address this machine does not have. Null for other errors.
 */
function listenRefusal(err: unknown): string | null {
  const e = err as (NodeJS.ErrnoException & { address?: unknown; port?: unknown }) | null;
  if (!(e instanceof Error) || e.syscall !== 'listen' || typeof e.address !== 'string') return null;
  // Node leaves the port out of the error when it was 0 (any free port).
  const host = e.address.includes(':') ? `[${e.address}]` : e.address;
  const where = `cannot listen on ${typeof e.port === 'number' ? `${host}:${e.port}` : host}`;
  if (e.code === 'EADDRINUSE') return `${where}: port ${e.port} is already in use by another process (stop it, or choose another port)`;
  if (e.code === 'EACCES') return `${where}: port ${e.port} needs privileges this process does not have (ports below 1024 usually do; choose one from 1024 up)`;
  if (e.code === 'EADDRNOTAVAIL') return `${where}: ${e.address} is not an address of this machine (choose another host)`;
  return null;
}

async function main(): Promise<void> {
  let outcome;
  try {
    outcome = parseCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ChannelLinkError) fail(err.code, err.message, 2);
    throw err;
  }
  if (outcome.kind === 'exit') process.exit(outcome.code);
  if (outcome.kind === 'token') {
    try {
      process.stdout.write(`${createToken(outcome.request)}\n`);
    } catch (err) {
      if (err instanceof ChannelLinkError) fail(err.code, err.message, 2);
      throw err;
    }
    return;
  }

  const base = baseLogger(outcome.options.logLevel ?? DEFAULT_OPTIONS.logLevel, outcome.options.logFormat);
  const log = base.child(LOG_COMPONENT);
  let server: ChannelLinkServer | null = null;
  let stopping = false;
  const closeAndExit = (running: ChannelLinkServer): void => {
    running.close().then(
      () => exitWhenFlushed(0),
      (err: unknown) => {
        log.error({ err }, 'close failed');
        exitWhenFlushed(1);
      },
    );
  };
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      exitWhenFlushed(1);
      return;
    }
    stopping = true;
    log.info({ signal }, 'signal received');
    if (server) closeAndExit(server);
  };
  // In place before the `listening` line: whoever reads it may stop us at once.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    server = await startServer({ ...outcome.options, logger: base });
  } catch (err) {
    if (err instanceof ChannelLinkError) fail(err.code, err.message, 2);
    const refused = listenRefusal(err);
    if (refused) fail('INVALID_PARAMS', refused, 2);
    log.fatal({ err }, 'start failed');
    return exitWhenFlushed(1);
  }
  if (stopping) closeAndExit(server);
}

main().catch((err: unknown) => fail('SERVER_ERROR', err instanceof Error ? err.message : String(err), 1));
