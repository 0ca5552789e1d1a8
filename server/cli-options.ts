/**
 * Command line and environment parsing of the server CLI (flags win over environment variables),
 * and of its `token` subcommand (see cli-token.ts).
 */
import { statSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ChannelLinkError } from '../src/errors.js';
import { addTokenCommand, type TokenRequest } from './cli-token.js';
import { LOG_FORMATS, isLogFormat } from './log-output.js';
import { DEFAULT_OPTIONS, LOG_LEVELS, isHostPort, isLogLevel, type ServerOptions } from './options.js';
import { packageVersion } from './version.js';

export type CliOutcome =
  | { kind: 'run'; options: ServerOptions }
  /** `token` subcommand: print this token. */
  | { kind: 'token'; request: TokenRequest }
  /** Help or the version was printed: exit 0. */
  | { kind: 'exit'; code: number };

const MAX_MS = 2 ** 31 - 1;
const MS = 'a positive integer of milliseconds';

type IntegerKey = {
  [K in keyof ServerOptions]-?: NonNullable<ServerOptions[K]> extends number ? K : never;
}[keyof ServerOptions];

interface IntegerFlag {
  key: IntegerKey;
  flag: string;
  env: string;
  min: number;
  max: number;
  /** Says what is expected in an error message. */
  what: string;
  help: string;
}

const defaults = DEFAULT_OPTIONS;
const INTEGER_FLAGS: IntegerFlag[] = [
  { key: 'port', flag: '--port', env: 'PORT', min: 0, max: 65535, what: 'an integer 0-65535', help: `TCP port, 0 for any free port (else from $PORT; default ${defaults.port})` },
  { key: 'peerTimeoutMs', flag: '--peer-timeout-ms', env: 'PEER_TIMEOUT_MS', min: 1, max: MAX_MS, what: MS, help: `silence before a peer is removed (default ${defaults.peerTimeoutMs})` },
  { key: 'streamTimeoutMs', flag: '--stream-timeout-ms', env: 'STREAM_TIMEOUT_MS', min: 1, max: MAX_MS, what: MS, help: `silence before its streams are removed, at most the peer timeout (default ${defaults.streamTimeoutMs}, or the peer timeout if less)` },
  { key: 'joinTimeoutMs', flag: '--join-timeout-ms', env: 'JOIN_TIMEOUT_MS', min: 1, max: MAX_MS, what: MS, help: `a socket that has not joined by then is closed (default ${defaults.joinTimeoutMs})` },
  { key: 'tokenWillExpireMs', flag: '--token-will-expire-ms', env: 'TOKEN_WILL_EXPIRE_MS', min: 0, max: MAX_MS, what: 'an integer of milliseconds', help: `token-will-expire is sent this long before expiry (default ${defaults.tokenWillExpireMs})` },
  { key: 'maxControlFrameBytes', flag: '--max-control-frame-bytes', env: 'MAX_CONTROL_FRAME_BYTES', min: 1024, max: 2 ** 30, what: 'an integer 1024-1073741824', help: `largest JSON control frame (default ${defaults.maxControlFrameBytes})` },
  { key: 'maxDataFrameBytes', flag: '--max-data-frame-bytes', env: 'MAX_DATA_FRAME_BYTES', min: 1024, max: 2 ** 30, what: 'an integer 1024-1073741824', help: `largest binary data frame (default ${defaults.maxDataFrameBytes})` },
  { key: 'controlRatePerSecond', flag: '--control-rate', env: 'CONTROL_RATE', min: 1, max: 1e6, what: 'an integer 1-1000000', help: `control frames/s per connection, sustained (default ${defaults.controlRatePerSecond})` },
  { key: 'controlBurst', flag: '--control-burst', env: 'CONTROL_BURST', min: 1, max: 1e6, what: 'an integer 1-1000000', help: `control frames per connection at once (default ${defaults.controlBurst})` },
  { key: 'dataRatePerSecond', flag: '--data-rate', env: 'DATA_RATE', min: 1, max: 1e6, what: 'an integer 1-1000000', help: `data frames/s per connection, sustained (default ${defaults.dataRatePerSecond})` },
  { key: 'dataBurst', flag: '--data-burst', env: 'DATA_BURST', min: 1, max: 1e6, what: 'an integer 1-1000000', help: `data frames per connection at once (default ${defaults.dataBurst})` },
  { key: 'rateLimitMaxDropped', flag: '--rate-limit-max-dropped', env: 'RATE_LIMIT_MAX_DROPPED', min: 0, max: 1e9, what: 'an integer 0-1000000000', help: `frames dropped by the rate limits within 10 s before disconnecting (default ${defaults.rateLimitMaxDropped})` },
  { key: 'maxBufferedBytes', flag: '--max-buffered-bytes', env: 'MAX_BUFFERED_BYTES', min: 65536, max: 2 ** 31, what: 'an integer 65536-2147483648', help: `a socket with more unsent bytes is closed as a slow consumer (default ${defaults.maxBufferedBytes})` },
  { key: 'webhookRetryMs', flag: '--webhook-retry-ms', env: 'WEBHOOK_RETRY_MS', min: 0, max: 86_400_000, what: 'an integer 0-86400000', help: `an undelivered webhook is retried this long, then dropped (default ${defaults.webhookRetryMs})` },
  { key: 'nodeTtlMs', flag: '--node-ttl-ms', env: 'NODE_TTL_MS', min: 150, max: 600_000, what: 'an integer 150-600000', help: `cluster: a node silent this long is dead, its members are adopted (default ${defaults.nodeTtlMs})` },
  { key: 'metricsPort', flag: '--metrics-port', env: 'METRICS_PORT', min: 0, max: 65535, what: 'an integer 0-65535', help: 'serve GET /metrics on this port instead, to any client (implies --metrics)' },
  { key: 'streamBufferMs', flag: '--stream-buffer-ms', env: 'STREAM_BUFFER_MS', min: 0, max: MAX_MS, what: 'an integer of milliseconds', help: 'how long each stream keeps its recent messages for subscribers that resume (default: the peer timeout)' },
  { key: 'streamBufferMessages', flag: '--stream-buffer-messages', env: 'STREAM_BUFFER_MESSAGES', min: 0, max: 1e7, what: 'an integer 0-10000000', help: `at most this many messages kept per stream (default ${defaults.streamBufferMessages})` },
  { key: 'streamBufferBytes', flag: '--stream-buffer-bytes', env: 'STREAM_BUFFER_BYTES', min: 0, max: 2 ** 31, what: 'an integer 0-2147483648', help: `at most this many bytes kept per stream (default ${defaults.streamBufferBytes})` },
  { key: 'maxPeersPerChannel', flag: '--max-peers-per-channel', env: 'MAX_PEERS_PER_CHANNEL', min: 1, max: 1e7, what: 'an integer 1-10000000', help: `hosts per channel, beyond: CHANNEL_FULL (default ${defaults.maxPeersPerChannel})` },
  { key: 'maxJoinsInFlight', flag: '--max-joins-in-flight', env: 'MAX_JOINS_IN_FLIGHT', min: 1, max: 1e6, what: 'an integer 1-1000000', help: `joins handled at once; as many more wait, the rest are told SERVER_BUSY with a wait (default ${defaults.maxJoinsInFlight})` },
  { key: 'maxAudiencePerChannel', flag: '--max-audience-per-channel', env: 'MAX_AUDIENCE_PER_CHANNEL', min: 0, max: 1e8, what: 'an integer 0-100000000', help: `audience members per channel, beyond: CHANNEL_FULL (default ${defaults.maxAudiencePerChannel})` },
];

const envName = (suffix: string): string => `CHANNEL_LINK_${suffix}`;
const attribute = (flag: string): string => flag.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

function buildProgram(): Command {
  const program = new Command()
    .name('channel-link-server')
    .description('channel-link signaling and presence server (WebSocket + GET /healthz)')
    .addOption(new Option('--host <host>', `interface to bind (default ${defaults.host})`).env(envName('HOST')));
  for (const f of INTEGER_FLAGS) program.addOption(new Option(`${f.flag} <n>`, f.help).env(envName(f.env)));
  return program
    .addOption(new Option('--app-certificate <secret>', 'require tokens signed with this secret (without it the server is OPEN)').env(envName('APP_CERTIFICATE')))
    .addOption(new Option('--token-public-key <file>', 'also accept RS256, ES256 or EdDSA tokens signed by the private key of this PEM public key').env(envName('TOKEN_PUBLIC_KEY')))
    .addOption(new Option('--api-secret <secret>', 'enable the server API under /v1/ with this bearer secret (at least 16 characters)').env(envName('API_SECRET')))
    .addOption(new Option('--webhook-url <url>', 'POST every channel event, signed, to this URL (repeatable; env: CHANNEL_LINK_WEBHOOK_URLS, comma-separated)').argParser((url: string, all: string[] | undefined) => [...(all ?? []), url]))
    .addOption(new Option('--webhook-secret <secret>', 'the secret webhooks are signed with (required with --webhook-url)').env(envName('WEBHOOK_SECRET')))
    .addOption(new Option('--allowed-origins <list>', 'comma-separated browser origins allowed to connect (default any)').env(envName('ALLOWED_ORIGINS')))
    .addOption(new Option('--tls-cert <file>', 'PEM certificate chain: serve wss:// and https:// (with --tls-key)').env(envName('TLS_CERT')))
    .addOption(new Option('--tls-key <file>', 'PEM private key of --tls-cert').env(envName('TLS_KEY')))
    .addOption(new Option('--stats', 'answer GET /stats (counts, counters, memory) to loopback clients (env: CHANNEL_LINK_STATS=1)'))
    .addOption(new Option('--redis-url <url>', 'join the cluster of every node on this Redis (redis:// or rediss://); default: state in memory').env(envName('REDIS_URL')))
    .addOption(new Option('--redis-cluster <nodes>', 'join the cluster of every node on this Redis Cluster: comma-separated host:port of some of its masters').env(envName('REDIS_CLUSTER')))
    .addOption(new Option('--redis-prefix <prefix>', `prefix of the cluster's Redis keys (default ${defaults.redisPrefix})`).env(envName('REDIS_PREFIX')))
    .addOption(new Option('--metrics', 'serve Prometheus metrics at GET /metrics, to loopback clients on this port (env: CHANNEL_LINK_METRICS=1)'))
    .addOption(new Option('--metrics-host <host>', 'interface of --metrics-port (default: --host)').env(envName('METRICS_HOST')))
    .addOption(new Option('--static-dir <dir>', 'also serve this folder over HTTP (e.g. the built demo)').env(envName('STATIC_DIR')))
    .addOption(new Option('--log-level <level>', `${LOG_LEVELS.join(', ')} (default ${defaults.logLevel})`).env(envName('LOG_LEVEL')))
    .addOption(new Option('--log-format <format>', `${LOG_FORMATS.join(' or ')}: JSON lines, or human-readable ones (default: pretty on a terminal, else json)`).env(envName('LOG_FORMAT')))
    .version(packageVersion(), '-v, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .helpCommand('help [command]', 'show this help, or the help of a command')
    .allowExcessArguments(false)
    // Server flags go before a subcommand, the subcommand's own after it.
    .enablePositionalOptions()
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
  let token: TokenRequest | null = null;
  // Added after configureOutput so that the subcommand inherits it (and exitOverride).
  addTokenCommand(program, (request) => (token = request));
  program.action(() => undefined);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return { kind: 'exit', code: 0 };
      return invalid(commanderMessage || err.message.replace(/^error:\s*/, ''));
    }
    throw err;
  }
  if (token) return { kind: 'token', request: token };
  return { kind: 'run', options: serverOptions(program) };
}

function serverOptions(program: Command): ServerOptions {
  const raw = program.opts<Record<string, string | string[] | boolean | undefined>>();
  /** Names the flag, or the variable when the value came from the environment. */
  const nameOf = (key: string, flag: string, env: string): string => (program.getOptionValueSource(key) === 'env' ? env : flag);
  const text = (key: string): string | undefined => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);

  const options: ServerOptions = {};
  for (const f of INTEGER_FLAGS) {
    const key = attribute(f.flag);
    let value = text(key);
    let name = nameOf(key, f.flag, envName(f.env));
    // Hosting platforms hand the port over in PORT (as does `PORT=9000 npm start`).
    if (value === undefined && f.key === 'port' && process.env.PORT !== undefined && process.env.PORT !== '') {
      value = process.env.PORT;
      name = 'PORT';
    }
    if (value === undefined) continue;
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < f.min || n > f.max) invalid(`${name} must be ${f.what} (got "${value}")`);
    options[f.key] = n;
  }
  if (options.streamTimeoutMs !== undefined) {
    const peer = options.peerTimeoutMs ?? defaults.peerTimeoutMs;
    if (options.streamTimeoutMs > peer) {
      const peerName = options.peerTimeoutMs === undefined ? 'the default peer timeout' : nameOf('peerTimeoutMs', '--peer-timeout-ms', envName('PEER_TIMEOUT_MS'));
      invalid(
        `${nameOf('streamTimeoutMs', '--stream-timeout-ms', envName('STREAM_TIMEOUT_MS'))} (${options.streamTimeoutMs}) must not be greater than ` +
          `${peerName} (${peer}): a stream cannot outlive its member`,
      );
    }
  }

  const host = text('host');
  if (host !== undefined) {
    if (host.trim() === '') invalid(`${nameOf('host', '--host', envName('HOST'))} must not be empty`);
    options.host = host.trim();
  }
  const certificate = text('appCertificate');
  if (certificate !== undefined && certificate !== '') options.appCertificate = certificate;
  const tokenPublicKey = text('tokenPublicKey');
  if (tokenPublicKey) options.tokenPublicKey = tokenPublicKey;
  const webhookUrls = Array.isArray(raw.webhookUrl) ? (raw.webhookUrl as string[]) : (process.env[envName('WEBHOOK_URLS')] ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (webhookUrls.length > 0) options.webhookUrls = webhookUrls;
  const webhookSecret = text('webhookSecret');
  if (webhookSecret) options.webhookSecret = webhookSecret;
  const apiSecret = text('apiSecret');
  if (apiSecret) options.apiSecret = apiSecret;
  const origins = text('allowedOrigins');
  if (origins !== undefined && origins.trim() !== '') options.allowedOrigins = origins.split(',').map((o) => o.trim()).filter(Boolean);
  const tlsCert = text('tlsCert');
  const tlsKey = text('tlsKey');
  if (tlsCert) options.tlsCert = tlsCert;
  if (tlsKey) options.tlsKey = tlsKey;
  if (raw.stats === true || /^(1|true|yes)$/i.test(process.env[envName('STATS')] ?? '')) options.statsEndpoint = true;
  if (raw.metrics === true || /^(1|true|yes)$/i.test(process.env[envName('METRICS')] ?? '')) options.metrics = true;
  const metricsHost = text('metricsHost');
  if (metricsHost !== undefined) {
    if (metricsHost.trim() === '') invalid(`${nameOf('metricsHost', '--metrics-host', envName('METRICS_HOST'))} must not be empty`);
    options.metricsHost = metricsHost.trim();
  }

  const redisUrl = text('redisUrl');
  if (redisUrl !== undefined && redisUrl !== '') {
    if (!/^rediss?:\/\/./.test(redisUrl)) invalid(`${nameOf('redisUrl', '--redis-url', envName('REDIS_URL'))} must be a redis:// or rediss:// URL (got "${redisUrl}")`);
    options.redisUrl = redisUrl;
  }
  const redisCluster = text('redisCluster');
  if (redisCluster !== undefined && redisCluster !== '') {
    const nodes = redisCluster.split(',').map((n) => n.trim()).filter((n) => n !== '');
    const name = nameOf('redisCluster', '--redis-cluster', envName('REDIS_CLUSTER'));
    if (nodes.length === 0 || !nodes.every(isHostPort)) invalid(`${name} must be comma-separated host:port entries (got "${redisCluster}")`);
    if (options.redisUrl !== undefined) invalid(`${name} and ${nameOf('redisUrl', '--redis-url', envName('REDIS_URL'))} exclude each other: give one`);
    options.redisCluster = nodes;
  }
  const redisPrefix = text('redisPrefix');
  if (redisPrefix !== undefined && redisPrefix !== '') options.redisPrefix = redisPrefix;
  const staticDir = text('staticDir');
  if (staticDir !== undefined && staticDir !== '') {
    let isDir = false;
    try {
      isDir = statSync(staticDir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) invalid(`${nameOf('staticDir', '--static-dir', envName('STATIC_DIR'))} is not a directory: ${staticDir}`);
    options.staticDir = staticDir;
  }
  const logLevel = text('logLevel');
  if (logLevel !== undefined) {
    if (!isLogLevel(logLevel)) {
      invalid(`${nameOf('logLevel', '--log-level', envName('LOG_LEVEL'))} must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
    }
    options.logLevel = logLevel as ServerOptions['logLevel'];
  }
  const logFormat = text('logFormat');
  if (logFormat !== undefined) {
    if (!isLogFormat(logFormat)) invalid(`${nameOf('logFormat', '--log-format', envName('LOG_FORMAT'))} must be ${LOG_FORMATS.join(' or ')} (got "${logFormat}")`);
    options.logFormat = logFormat as ServerOptions['logFormat'];
  }
  return options;
}
