/**
 * docs/backend.md, Webhooks: on Redis the queues belong to the cluster, not to a node. A node that
 * decided events and is then SIGKILLed while the receiver is down loses none of them: once the
 * receiver is back, a surviving node sends them (after the dead node's lease on the URL runs out),
 * each event id once, followed by what the survivors decided since (the member's timeout).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, test } from 'vitest';
import { onCleanup, testClient } from '../integration/harness.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'a-webhook-secret-for-the-tests-0123456789';
const PEER_TIMEOUT_MS = 3000;

async function node(prefix: string, hookUrl: string): Promise<ServerProcess> {
  const proc = await startServerProcess({
    args: [
      '--redis-url', inject('redisUrl'), '--redis-prefix', prefix, '--node-ttl-ms', '600',
      '--peer-timeout-ms', String(PEER_TIMEOUT_MS), '--stream-timeout-ms', '2000',
      '--webhook-url', hookUrl, '--webhook-secret', SECRET, '--webhook-retry-ms', '120000',
    ],
  });
  onCleanup(() => proc.stop());
  return proc;
}

describe('webhooks on a cluster', () => {
  test('the deciding node killed while the receiver is down: a survivor delivers its events once the receiver is back, each once', async () => {
    const hooks = await new WebhookReceiver().start();
    onCleanup(() => hooks.stop());
    const prefix = `hook${randomBytes(3).toString('hex')}:`;
    const a = await node(prefix, hooks.url);
    await node(prefix, hooks.url); // B: a survivor that may take the URL over
    const c = await node(prefix, hooks.url);
    // The receiver works: an event decided on C arrives.
    const watcher = testClient(c.url);
    await watcher.client.join(null, 'handover', 10);
    await waitFor(() => hooks.log('handover').includes('member-joined 10 host'), { timeoutMs: 10_000 });

    await hooks.stop();
    // Decided by node A only: its member joins and publishes while nobody can receive.
    const stranded = testClient(a.url);
    await stranded.client.join(null, 'handover', 1);
    const stream = await stranded.client.publish();
    // Wait until the events are in the cluster's queue (they were decided and pushed by A).
    const redis = new Redis(inject('redisUrl'));
    onCleanup(() => redis.quit());
    const [queue] = await redis.keys(`${prefix}wq{*}`);
    expect(queue).toBeDefined();
    await waitFor(async () => (await redis.lrange(queue!, 0, -1)).some((body) => body.includes('stream-published')), { timeoutMs: 10_000, intervalMs: 100 });

    a.kill('SIGKILL');
    await hooks.start(hooks.port);
    // A's lease runs out (10 s), then B or C takes the URL over and sends A's events, then the
    // member's timeout, which a survivor decided after adopting A's members.
    await waitFor(() => hooks.log('handover').includes('member-left 1 SERVER_TIMEOUT'), { timeoutMs: 40_000 });
    const log = hooks.log('handover');
    const strandedLog = log.filter((line) => / 1\b/.test(line));
    expect(strandedLog).toEqual(['member-joined 1 host', `stream-published 1 ${stream.id}`, 'stream-unpublished 1 NO_DATA', 'member-left 1 SERVER_TIMEOUT']);
    expect(log.filter((line) => line === 'channel-created')).toHaveLength(1);
    // Each event once (at least once allows a repeat only when a sender dies mid-request).
    expect(new Set(hooks.received.map((h) => h.event.id)).size).toBe(hooks.received.length);
    await waitFor(async () => (await redis.llen(queue!)) === 0, { timeoutMs: 5000, intervalMs: 100 });
  }, 90_000);
});
