/**
 * Delivers webhook events (docs/backend.md, Webhooks): each URL has its own FIFO queue, sent one
 * request at a time, so every URL gets every event in the order decided (per channel too). A
 * receiver that fails or is down is retried with backoff until the event is `retryMs` old; the
 * queue is bounded (`maxQueue` per URL), and what is dropped is counted and logged. This is the
 * queue of a node without Redis: its memory, which a crash loses (docs/backend.md, Webhooks); on
 * Redis the queues are shared by the cluster (cluster/redis-webhooks.ts), with the same sending.
 */
import type { Logger } from 'pino';
import type { ServerCounters } from './counters.js';
import type { WebhookEvent } from './webhook-events.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export interface WebhookDeliveryOptions {
  urls: readonly string[];
  secret: string;
  /** An event still undelivered this long after it was decided is dropped. */
  retryMs: number;
  /** Events waiting per URL; beyond, new ones are dropped. */
  maxQueue: number;
  log: Logger;
  counters: ServerCounters;
  /** Each delivery's latency, from the decision to the receiver's 2xx. */
  observeLatency?: (seconds: number) => void;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** Where a node's webhook events go: its own memory queues, or the cluster's queues in Redis. */
export interface WebhookSink {
  /** Queues the event for every URL. */
  send(event: WebhookEvent): void;
  /** Events waiting, over every URL (on Redis, the cluster's as last seen). */
  readonly queueLength: number;
  /** Stops sending (a request in flight is cut short). */
  close(): Promise<void>;
}

/** The wait before the next attempt after `failures` failed ones, never past the event's last chance. */
export const retryDelay = (failures: number, ageMs: number, retryMs: number): number => Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failures, retryMs - ageMs);

/** POSTs one signed event body; true on a 2xx answer. `abort` cuts it short (the node is closing). */
export async function postWebhook(url: string, body: string, o: Pick<WebhookDeliveryOptions, 'secret' | 'log'>, abort: AbortController): Promise<boolean> {
  const timeout = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(body, o.secret) },
      body,
      signal: abort.signal,
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status > 299) o.log.debug({ url, status: res.status }, 'webhook refused by its receiver');
    return res.status >= 200 && res.status <= 299;
  } catch (error) {
    o.log.debug({ url, err: (error as Error).message }, 'webhook receiver unreachable');
    return false;
  } finally {
    clearTimeout(timeout);
  }
}

/** Counts and logs an event dropped for a full queue: one line for the first of a run of drops, then one per hundred. */
export function countDropped(o: WebhookDeliveryOptions, url: string, queued: number, runSoFar: number): void {
  o.counters.webhooksDropped++;
  if (runSoFar % 100 === 0) o.log.warn({ url, queued, dropped: o.counters.webhooksDropped }, 'webhook queue full: event dropped');
}

/** Counts and logs an event given up after webhookRetryMs. */
export function countExpired(o: WebhookDeliveryOptions, url: string, event: Pick<WebhookEvent, 'id' | 'type'>, ageMs: number): void {
  o.counters.webhooksExpired++;
  o.log.warn({ url, id: event.id, type: event.type, ageMs }, 'webhook dropped: undelivered for webhookRetryMs');
}

interface Queued {
  event: WebhookEvent;
  body: string;
}

/** One receiver: its queue and its one request in flight. */
class Receiver {
  readonly queue: Queued[] = [];
  private running = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | null = null;
  private closed = false;
  private droppedSinceLog = 0;

  constructor(
    private readonly url: string,
    private readonly o: WebhookDeliveryOptions,
  ) {}

  add(item: Queued): void {
    if (this.closed) return;
    if (this.queue.length >= this.o.maxQueue) {
      countDropped(this.o, this.url, this.queue.length, this.droppedSinceLog++);
      return;
    }
    this.droppedSinceLog = 0;
    this.queue.push(item);
    if (!this.running && !this.timer) void this.pump();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const head = this.queue[0]!;
        if (await this.post(head)) {
          this.queue.shift();
          this.failures = 0;
          this.o.counters.webhooksDelivered++;
          this.o.observeLatency?.((Date.now() - head.event.at) / 1000);
          continue;
        }
        this.o.counters.webhookAttemptsFailed++;
        const age = Date.now() - head.event.at;
        if (age >= this.o.retryMs) {
          this.queue.shift();
          this.failures = 0;
          countExpired(this.o, this.url, head.event, age);
          continue;
        }
        const delay = retryDelay(this.failures++, age, this.o.retryMs);
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.pump();
        }, delay);
        this.timer.unref();
        return;
      }
    } finally {
      this.running = false;
    }
  }

  /** True on a 2xx answer. */
  private async post({ body }: Queued): Promise<boolean> {
    const abort = new AbortController();
    this.inFlight = abort;
    try {
      return await postWebhook(this.url, body, this.o, abort);
    } finally {
      this.inFlight = null;
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.inFlight?.abort();
  }
}

export class WebhookDelivery implements WebhookSink {
  private readonly receivers: Receiver[];

  constructor(options: WebhookDeliveryOptions) {
    this.receivers = options.urls.map((url) => new Receiver(url, options));
  }

  /** Queues the event for every URL. */
  send(event: WebhookEvent): void {
    const body = JSON.stringify(event);
    for (const receiver of this.receivers) receiver.add({ event, body });
  }

  /** Events waiting, over every URL. */
  get queueLength(): number {
    return this.receivers.reduce((n, r) => n + r.queue.length, 0);
  }

  async close(): Promise<void> {
    for (const receiver of this.receivers) receiver.close();
  }
}
