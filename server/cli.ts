#!/usr/bin/env node
/**
 * channel-link-server: starts the signaling server from flags and CHANNEL_LINK_* variables;
 * `channel-link-server token ...` prints a signed token instead.
 * Exit codes: 0 after help or a graceful stop (SIGINT/SIGTERM), 2 for bad parameters, 1 otherwise.
 */
import { ChannelLinkError } from '../src/errors.js';
import { parseCli } from './cli-options.js';
import { startServer, type ChannelLinkServer } from './index.js';
import { createToken } from './tokens.js';

function fail(code: string, message: string, exitCode: number): never {
  process.stderr.write(`error ${code}: ${message}\n`);
  process.exit(exitCode);
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

  let server: ChannelLinkServer;
  try {
    server = await startServer(outcome.options);
  } catch (err) {
    if (err instanceof ChannelLinkError) fail(err.code, err.message, 2);
    fail('SERVER_ERROR', err instanceof Error ? err.message : String(err), 1);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err: unknown) => fail('SERVER_ERROR', `close failed: ${err instanceof Error ? err.message : String(err)}`, 1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  // Printed only once the signal handlers are in place: whoever reads this line may stop us.
  const httpUrl = server.url.replace(/^ws/, 'http');
  const open = outcome.options.appCertificate ? '' : ' [OPEN: no app certificate, tokens are not checked]';
  process.stdout.write(`channel-link server listening on ${server.url} (http: ${httpUrl}, health: ${httpUrl}/healthz)${open}\n`);
}

main().catch((err: unknown) => fail('SERVER_ERROR', err instanceof Error ? err.message : String(err), 1));
