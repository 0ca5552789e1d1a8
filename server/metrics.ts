/**
 * Prometheus metrics (prom-client). Nothing here runs per frame: counters and gauges read the
 * server's plain counters (counters.ts) and its stats when scraped, so `/metrics` and `/stats`
 * report the same numbers from one source. Only the join latency histogram is observed as it
 * happens, once per join.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServerCounters } from './counters.js';
import type { ServerStats } from './stats.js';
import { packageVersion } from './version.js';

export interface ServerMetrics {
  /** The `content-type` of `render()`'s text. */
  readonly contentType: string;
  /** Every metric in the Prometheus text format: this server's and the process's. */
  render(): Promise<string>;
  /** One join took `seconds`, from its frame to the `joined` reply. */
  observeJoinLatency(seconds: number): void;
  /** One webhook was delivered `seconds` after its event was decided. */
  observeWebhookLatency(seconds: number): void;
}

/** Process metrics (CPU, memory, GC, event-loop lag...) are one set per process, shared by its servers. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

type Labelled = Record<string, number>;

export function createMetrics(
  counters: Readonly<ServerCounters>,
  stats: () => ServerStats | Promise<ServerStats>,
  webhookQueue: () => number = () => 0,
): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  /** The stats of the scrape under way, read by every gauge's collect(). */
  let current: ServerStats | undefined;

  const gauge = (name: string, help: string, read: (s: ServerStats) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (current) this.set(read(current));
      },
    });
  };
  gauge('channel_link_connections', 'Open WebSocket connections, joined or not.', (s) => s.sockets);
  gauge('channel_link_sessions', 'Sessions whose liveness this node tracks (connected, or waiting to resume or time out).', (s) => s.sessions);
  gauge('channel_link_members', 'Members connected to this node now (sessions with a socket).', (s) => s.members);
  gauge('channel_link_channels', 'Channels with at least one member.', (s) => s.channels);
  gauge('channel_link_streams', 'Published streams.', (s) => s.streams);
  gauge('channel_link_joins_in_flight', 'Joins being handled now (admission control).', (s) => s.admission.inFlight);
  gauge('channel_link_joins_queued', 'Joins waiting for a slot (admission control; resumes first).', (s) => s.admission.queued);

  /** A counter whose value (per label value) is read from `counters` at scrape time. */
  const counter = (name: string, help: string, read: () => number | Labelled, labelName?: string): void => {
    new Counter({
      name,
      help,
      labelNames: labelName ? [labelName] : [],
      registers,
      collect() {
        this.reset();
        const value = read();
        if (typeof value === 'number') this.inc(value);
        else for (const [label, n] of Object.entries(value)) this.inc({ [labelName!]: label }, n);
      },
    });
  };
  const c = counters;
  counter('channel_link_joins_total', 'Joins, by outcome.', () => ({
    joined: c.joinsFresh,
    resumed: c.joinsResumed,
    replaced: c.joinsReplaced,
    invalid_token: c.joinsRefusedInvalidToken,
    token_expired: c.joinsRefusedTokenExpired,
    channel_full: c.joinsRefusedChannelFull,
    unsupported_version: c.joinsRefusedVersion,
    no_permission: c.joinsRefusedNoPermission,
    banned: c.joinsRefusedBanned,
  }), 'outcome');
  counter('channel_link_joins_admitted_total', 'Joins that got a slot (admission control), by kind: resume (it named a session) or join.', () => ({
    resume: c.admittedResumes,
    join: c.admittedJoins,
  }), 'kind');
  counter('channel_link_joins_deferred_total', 'Joins deferred with SERVER_BUSY and a wait (the node was busy), by kind.', () => ({
    resume: c.deferredResumes,
    join: c.deferredJoins,
  }), 'kind');
  counter('channel_link_leaves_total', 'Members that left the channel, by reason.', () => ({
    quit: c.leaves,
    server_timeout: c.peerTimeouts,
    token_expired: c.tokenExpiries,
    kicked: c.kicks,
  }), 'reason');
  counter('channel_link_timeouts_total', 'Timeouts: no join in time, streams silent (NO_DATA), members silent (SERVER_TIMEOUT).', () => ({
    join: c.joinTimeouts,
    stream: c.streamTimeouts,
    peer: c.peerTimeouts,
  }), 'kind');
  counter('channel_link_frames_received_total', 'Frames accepted (after the rate limits).', () => c.framesIn);
  counter('channel_link_received_bytes_total', 'Bytes of the frames accepted.', () => c.bytesIn);
  counter('channel_link_frames_sent_total', 'Frames sent, counted per recipient.', () => c.framesOut);
  counter('channel_link_sent_bytes_total', 'Bytes of the frames sent.', () => c.bytesOut);
  counter('channel_link_protocol_errors_total', 'Sockets closed for a malformed or oversized frame.', () => c.protocolErrors);
  counter('channel_link_rate_limited_frames_total', 'Frames dropped by the rate limits.', () => c.framesDropped);
  counter('channel_link_rate_limit_disconnects_total', 'Sockets closed for persistent rate-limit abuse (4429).', () => c.rateLimitCloses);
  counter('channel_link_slow_consumer_disconnects_total', 'Sockets closed as slow consumers (4430).', () => c.slowConsumerCloses);
  counter('channel_link_webhook_deliveries_total', 'Webhook requests and events, by outcome.', () => ({
    delivered: c.webhooksDelivered,
    failed: c.webhookAttemptsFailed,
    dropped_queue_full: c.webhooksDropped,
    dropped_expired: c.webhooksExpired,
  }), 'outcome');
  new Gauge({
    name: 'channel_link_webhook_queue_length',
    help: 'Webhook events waiting for delivery, over every URL.',
    registers,
    collect() {
      this.set(webhookQueue());
    },
  });
  const webhookLatency = new Histogram({
    name: 'channel_link_webhook_delivery_seconds',
    help: 'Time from the decision of an event to its webhook delivery (2xx).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  counter('channel_link_upgrades_refused_total', 'WebSocket upgrades refused (origin not allowed, server closing).', () => c.upgradesRefused);

  const joinLatency = new Histogram({
    name: 'channel_link_join_duration_seconds',
    help: 'Time from a join frame to the joined reply.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  new Gauge({ name: 'channel_link_build_info', help: 'The server version.', labelNames: ['version'], registers }).set({ version: packageVersion() }, 1);

  return {
    contentType: registry.contentType,
    async render() {
      current = await stats();
      return Registry.merge([registry, processMetrics()]).metrics();
    },
    observeJoinLatency: (seconds) => joinLatency.observe(seconds),
    observeWebhookLatency: (seconds) => webhookLatency.observe(seconds),
  };
}
