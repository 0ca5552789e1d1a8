/**
 * Webhook queues in Redis (docs/backend.md, Webhooks): one list per URL, shared by the cluster, so
 * an event decided by a node that dies before delivering it is delivered by another. One node at a
 * time sends a URL's events (it holds the URL's lease, which expires when its holder stops
 * renewing it), one request at a time, oldest first, retried with backoff like a node's own queue.
 * An event leaves the list only once its receiver answered 2xx (or it expired): at least once.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { WebhookEvent } from '../webhook-events.js';
import { countDropped, countExpired, postWebhook, retryDelay, type WebhookDeliveryOptions, type WebhookSink } from '../webhook-delivery.js';
import type { RedisKeys } from './redis-keys.js';
import { webhookDelivered, webhookLease, webhookPush, type LeaseAction, type LeaseState } from './redis-scripts/index.js';
import type { ScriptRunner } from './redis-scripts/runner.js';

/** How long a lease lasts without renewal: a dead holder's URL is taken over within this (plus a poll). */
export const WEBHOOK_LEASE_MS = 10_000;
/** How often a node looks after each URL: renews its lease, or takes over an abandoned queue. */
export const WEBHOOK_POLL_MS = 2_000;
/** A push that failed (Redis unreachable) is tried again after this. */
const PUSH_RETRY_MS = 1_000;

export interface RedisWebhookHost {
  /** A single Redis or a Cluster: a URL's queue and lease share the hash tag {U}, so each call stays in one slot. */
  readonly cmd: Redis | Cluster;
  readonly scripts: ScriptRunner;
  readonly keys: RedisKeys;
  /** This node's id (a lease names its holder by it). */
  readonly node: string;
  /** Resolves once the store is open: nothing touches Redis before (its connections are not up). */
  readonly ready: Promise<void>;
}

/** The id of a URL in the key names: every node configured with the URL shares its queue. */
const urlId = (url: string): string => createHash('sha256').update(url).digest('hex').slice(0, 16);

/** One URL's side on this node: the events not yet in Redis, and the sending while it holds the lease. */
class Lane {
  private readonly queue: string;
  private readonly lease: string;
  private readonly holder: string;
  /** Bodies decided here, not yet pushed (in order; a failed push keeps them). */
  private readonly unpushed: string[] = [];
  private pushing = false;
  private sending = false;
  private held = false;
  private failures = 0;
  private droppedRun = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pushTimer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private started = false;
  private inFlight: AbortController | null = null;
  private closed = false;
  /** The list's length as last seen. */
  seen = 0;

  constructor(
    private readonly url: string,
    private readonly host: RedisWebhookHost,
    private readonly o: WebhookDeliveryOptions,
  ) {
    const id = urlId(url);
    this.queue = host.keys.webhookQueue(id);
    this.lease = host.keys.webhookLease(id);
    this.holder = `${host.node}/${randomUUID()}`;
    void host.ready.then(() => {
      if (this.closed) return;
      this.started = true;
      this.poll = setInterval(() => this.tend(), WEBHOOK_POLL_MS);
      this.poll.unref();
      // Events left by a node that stopped are sent without waiting for the first poll.
      this.tend();
      void this.push();
    });
  }

  get waiting(): number {
    return this.unpushed.length + this.seen;
  }

  add(body: string): void {
    if (this.closed) return;
    if (this.unpushed.length >= this.o.maxQueue) {
      countDropped(this.o, this.url, this.unpushed.length, this.droppedRun++);
      return;
    }
    this.unpushed.push(body);
    void this.push();
  }

  private async push(): Promise<void> {
    if (this.pushing || !this.started) return;
    this.pushing = true;
    try {
      while (!this.closed && this.unpushed.length > 0) {
        const r = await this.host.scripts.run(webhookPush, { queue: this.queue, body: this.unpushed[0]!, limit: this.o.maxQueue });
        this.unpushed.shift();
        this.seen = r.length;
        if (r.dropped) countDropped(this.o, this.url, r.length, this.droppedRun++);
        else this.droppedRun = 0;
      }
    } catch {
      // Redis unreachable: the bodies stay here, in order, until it answers again.
      clearTimeout(this.pushTimer);
      this.pushTimer = setTimeout(() => void this.push(), PUSH_RETRY_MS);
      this.pushTimer.unref();
      return;
    } finally {
      this.pushing = false;
    }
    void this.send();
  }

  /** Every poll: renew the lease while holding it, else take over a queue nobody sends. */
  private tend(): void {
    if (this.closed) return;
    if (this.held) this.leaseDo('renew').catch(() => undefined);
    else void this.send();
  }

  private async leaseDo(action: LeaseAction): Promise<LeaseState> {
    const state = await this.host.scripts.run(webhookLease, { lease: this.lease, queue: this.queue, holder: this.holder, action, ms: WEBHOOK_LEASE_MS });
    this.held = state === 'held';
    return state;
  }

  /** Sends the queue's events, oldest first, while this node holds the lease. */
  private async send(): Promise<void> {
    if (this.sending || this.closed || this.retryTimer) return;
    this.sending = true;
    try {
      if (!this.held && (await this.leaseDo('take')) !== 'held') return;
      while (!this.closed) {
        const body = await this.host.cmd.lindex(this.queue, 0);
        if (body === null) {
          this.seen = 0;
          // Give the lease up only if nothing arrived meanwhile (checked in the same script).
          if ((await this.leaseDo('yield')) !== 'held') return;
          continue;
        }
        const event = JSON.parse(body) as Pick<WebhookEvent, 'id' | 'type' | 'at'>;
        const age = Date.now() - event.at;
        if (age >= this.o.retryMs) {
          countExpired(this.o, this.url, event, age);
          this.seen = await this.host.scripts.run(webhookDelivered, { queue: this.queue, body });
          this.failures = 0;
          continue;
        }
        const abort = new AbortController();
        this.inFlight = abort;
        const ok = await postWebhook(this.url, body, this.o, abort).finally(() => (this.inFlight = null));
        if (this.closed) return;
        if (ok) {
          this.o.counters.webhooksDelivered++;
          this.o.observeLatency?.((Date.now() - event.at) / 1000);
          this.failures = 0;
          this.seen = await this.host.scripts.run(webhookDelivered, { queue: this.queue, body });
          continue;
        }
        this.o.counters.webhookAttemptsFailed++;
        // Keep the lease through the wait (the polls renew it): the order stays with one sender.
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          void this.send();
        }, retryDelay(this.failures++, age, this.o.retryMs));
        this.retryTimer.unref();
        return;
      }
    } catch (error) {
      // Redis unreachable or a body that is not ours to read: the next poll tries again.
      this.o.log.debug({ url: this.url, err: (error as Error).message }, 'webhook queue unreachable');
    } finally {
      this.sending = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    clearTimeout(this.retryTimer);
    clearTimeout(this.pushTimer);
    this.inFlight?.abort();
    // Hand the URL over at once rather than after the lease runs out.
    if (this.held) await this.leaseDo('drop').catch(() => undefined);
  }
}

export class RedisWebhookDelivery implements WebhookSink {
  private readonly lanes: Lane[];

  constructor(host: RedisWebhookHost, options: WebhookDeliveryOptions) {
    this.lanes = options.urls.map((url) => new Lane(url, host, options));
  }

  send(event: WebhookEvent): void {
    const body = JSON.stringify(event);
    for (const lane of this.lanes) lane.add(body);
  }

  get queueLength(): number {
    return this.lanes.reduce((n, lane) => n + lane.waiting, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.close()));
  }
}
