/**
 * The webhook side of a server (docs/backend.md, Webhooks): `emit()` turns what this node decided
 * into events for every webhook URL; nothing at all without URLs. The helpers below are the
 * decisions' words, called where each is made (session.ts, streams.ts).
 */
import type { Logger } from 'pino';
import type { Uid } from '../src/types.js';
import type { ClientRole } from '../src/wire-words.js';
import type { ServerCounters } from './counters.js';
import { parseChannelKey, type Attributes, type ChannelCounts, type ChannelKey, type ChannelStore } from './store.js';
import { WebhookDelivery, type WebhookDeliveryOptions, type WebhookSink } from './webhook-delivery.js';
import { webhookEvent, type WebhookFacts } from './webhook-events.js';

export interface Webhooks {
  readonly enabled: boolean;
  emit(facts: WebhookFacts): void;
  /** Events waiting for delivery, over every URL. */
  readonly queueLength: number;
  /** Stops sending; on Redis, hands each URL it was sending over to the other nodes. */
  close(): Promise<void>;
}

/** Events waiting per URL before new ones are dropped. */
export const WEBHOOK_QUEUE_LIMIT = 10_000;

export const NO_WEBHOOKS: Webhooks = { enabled: false, emit: () => {}, queueLength: 0, close: async () => {} };

export function createWebhooks(
  o: { webhookUrls: readonly string[]; webhookSecret: string | undefined; webhookRetryMs: number },
  log: Logger,
  counters: ServerCounters,
  where: { store: Pick<ChannelStore, 'webhookSink'>; nodeId: string; observeLatency?: (seconds: number) => void },
): Webhooks {
  if (o.webhookUrls.length === 0 || !o.webhookSecret) return NO_WEBHOOKS;
  const options: WebhookDeliveryOptions = {
    urls: o.webhookUrls,
    secret: o.webhookSecret,
    retryMs: o.webhookRetryMs,
    maxQueue: WEBHOOK_QUEUE_LIMIT,
    log: log.child({ part: 'webhooks' }),
    counters,
    ...(where.observeLatency ? { observeLatency: where.observeLatency } : {}),
  };
  // A store shared by the cluster keeps the queues (no event lost with a node); else this node's memory.
  const delivery: WebhookSink = where.store.webhookSink?.(options, where.nodeId) ?? new WebhookDelivery(options);
  return {
    enabled: true,
    emit: (facts) => delivery.send(webhookEvent(facts)),
    get queueLength() {
      return delivery.queueLength;
    },
    close: () => delivery.close(),
  };
}

const where = (key: ChannelKey) => parseChannelKey(key);
const withAttributes = (attributes: Attributes) => (Object.keys(attributes).length > 0 ? { attributes } : {});

/** A fresh member: channel-created first if it is the channel's first. */
export function memberJoined(w: Webhooks, key: ChannelKey, uid: Uid, role: ClientRole, attributes: Attributes, counts: ChannelCounts): void {
  if (!w.enabled) return;
  if (counts.hosts + counts.audience === 1) w.emit({ type: 'channel-created', ...where(key) });
  w.emit({ type: 'member-joined', ...where(key), uid, role, ...withAttributes(attributes) });
}

/** A member's stay ended: its streams, itself, then channel-destroyed if it was the last. */
export function memberLeft(w: Webhooks, key: ChannelKey, uid: Uid, role: ClientRole, streams: readonly string[], reason: string, counts: ChannelCounts): void {
  if (!w.enabled) return;
  const streamReason = reason === 'SERVER_TIMEOUT' ? 'NO_DATA' : 'PEER_LEFT';
  for (const streamId of streams) w.emit({ type: 'stream-unpublished', ...where(key), uid, streamId, reason: streamReason });
  w.emit({ type: 'member-left', ...where(key), uid, role, reason });
  if (counts.hosts + counts.audience === 0) w.emit({ type: 'channel-destroyed', ...where(key) });
}

export function roleChanged(w: Webhooks, key: ChannelKey, uid: Uid, role: ClientRole, removedStreams: readonly string[]): void {
  if (!w.enabled) return;
  for (const streamId of removedStreams) w.emit({ type: 'stream-unpublished', ...where(key), uid, streamId, reason: 'UNPUBLISHED' });
  w.emit({ type: 'member-role-changed', ...where(key), uid, role });
}

export function streamPublished(w: Webhooks, key: ChannelKey, uid: Uid, streamId: string): void {
  if (w.enabled) w.emit({ type: 'stream-published', ...where(key), uid, streamId });
}

export function streamUnpublished(w: Webhooks, key: ChannelKey, uid: Uid, streamId: string, reason: 'UNPUBLISHED' | 'NO_DATA'): void {
  if (w.enabled) w.emit({ type: 'stream-unpublished', ...where(key), uid, streamId, reason });
}
