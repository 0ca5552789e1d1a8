/** Command line and environment parsing of the server CLI (flags win over environment variables). */
import { statSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ChannelLinkError } from '../src/errors.js';
import { DEFAULT_OPTIONS, LOG_LEVELS, isLogLevel, type ServerOptions } from './options.js';

export type CliOutcome =
  | { kind: 'run'; options: ServerOptions }
  /** Help was printed: exit 0. */
  | { kind: 'exit'; code: number };

interface RawOptions {
  port?: string;
  host?: string;
  peerTimeoutMs?: string;
  streamTimeoutMs?: string;
  appCertificate?: string;
  staticDir?: string;
  logLevel?: string;
}

const MAX_MS = 2 ** 31 - 1;

function buildProgram(): Command {
  return new Command()
    .name('channel-link-server')
    .description('channel-link signaling and presence server (WebSocket + GET /healthz)')
    .addOption(new Option('--port <port>', `TCP port, 0 for any free port (default ${DEFAULT_OPTIONS.port})`).env('CHANNEL_LINK_PORT'))
    .addOption(new Option('--host <host>', `interface to bind (default ${DEFAULT_OPTIONS.host})`).env('CHANNEL_LINK_HOST'))
    .addOption(
      new Option('--peer-timeout-ms <ms>', `silence before a peer is removed (default ${DEFAULT_OPTIONS.peerTimeoutMs})`).env(
        'CHANNEL_LINK_PEER_TIMEOUT_MS',
      ),
    )
    .addOption(
      new Option('--stream-timeout-ms <ms>', `silence before its streams are removed (default ${DEFAULT_OPTIONS.streamTimeoutMs})`).env(
        'CHANNEL_LINK_STREAM_TIMEOUT_MS',
      ),
    )
    .addOption(new Option('--app-certificate <secret>', 'require tokens signed with this certificate').env('CHANNEL_LINK_APP_CERTIFICATE'))
    .addOption(new Option('--static-dir <dir>', 'also serve this folder over HTTP (e.g. the built demo)').env('CHANNEL_LINK_STATIC_DIR'))
    .addOption(
      new Option('--log-level <level>', `${LOG_LEVELS.join(', ')} (default ${DEFAULT_OPTIONS.logLevel})`).env('CHANNEL_LINK_LOG_LEVEL'),
    )
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride();
}

const invalid = (message: string): never => {
  throw new ChannelLinkError('INVALID_PARAMS', message);
};

/**
 * Parses argv (without the node and script entries) and process.env. Prints help itself;
 * throws ChannelLinkError INVALID_PARAMS for a bad flag or value.
 */
export function parseCli(argv: readonly string[]): CliOutcome {
  const program = buildProgram();
  let commanderMessage = '';
  program.configureOutput({
    outputError: (str) => {
      commanderMessage = str.trim().replace(/^error:\s*/, '');
    },
  });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return { kind: 'exit', code: 0 };
      return invalid(commanderMessage || err.message.replace(/^error:\s*/, ''));
    }
    throw err;
  }

  const raw = program.opts<RawOptions>();
  /** Names the flag, or the variable when the value came from the environment. */
  const nameOf = (key: keyof RawOptions, flag: string, envName: string): string =>
    program.getOptionValueSource(key) === 'env' ? envName : flag;

  const integer = (key: keyof RawOptions, flag: string, envName: string, min: number, max: number, what: string): number | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) invalid(`${nameOf(key, flag, envName)} must be ${what} (got "${value}")`);
    return n;
  };

  const options: ServerOptions = {};
  const port = integer('port', '--port', 'CHANNEL_LINK_PORT', 0, 65535, 'an integer 0-65535');
  if (port !== undefined) options.port = port;
  const peer = integer('peerTimeoutMs', '--peer-timeout-ms', 'CHANNEL_LINK_PEER_TIMEOUT_MS', 1, MAX_MS, 'a positive integer of milliseconds');
  if (peer !== undefined) options.peerTimeoutMs = peer;
  const stream = integer('streamTimeoutMs', '--stream-timeout-ms', 'CHANNEL_LINK_STREAM_TIMEOUT_MS', 1, MAX_MS, 'a positive integer of milliseconds');
  if (stream !== undefined) options.streamTimeoutMs = stream;

  if (raw.host !== undefined) {
    if (raw.host.trim() === '') invalid(`${nameOf('host', '--host', 'CHANNEL_LINK_HOST')} must not be empty`);
    options.host = raw.host.trim();
  }
  if (raw.appCertificate !== undefined && raw.appCertificate !== '') options.appCertificate = raw.appCertificate;
  if (raw.staticDir !== undefined && raw.staticDir !== '') {
    const name = nameOf('staticDir', '--static-dir', 'CHANNEL_LINK_STATIC_DIR');
    let isDir = false;
    try {
      isDir = statSync(raw.staticDir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) invalid(`${name} is not a directory: ${raw.staticDir}`);
    options.staticDir = raw.staticDir;
  }
  if (raw.logLevel !== undefined) {
    if (!isLogLevel(raw.logLevel)) {
      invalid(`${nameOf('logLevel', '--log-level', 'CHANNEL_LINK_LOG_LEVEL')} must be one of ${LOG_LEVELS.join(', ')} (got "${raw.logLevel}")`);
    }
    options.logLevel = raw.logLevel as ServerOptions['logLevel'];
  }
  return { kind: 'run', options };
}
