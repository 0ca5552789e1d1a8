/**
 * Webhooks (docs/backend.md, Webhooks) against a real server and a real HTTP receiver started by
 * the test: every event type, the signature checked by hand and by verifyWebhook(), a receiver
 * down for a few seconds, the order per channel, several URLs. In the cluster project the
 * members are spread over three nodes and each event still arrives once.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { verifyWebhook } from 'channel-link/server';
import { RawClient } from '../server/raw-client.js';
import { waitFor } from '../support/wait-for.js';
import { WebhookReceiver, type ReceivedHook } from '../support/webhook-receiver.js';
import { CLUSTER, onCleanup, testClient, testServer } from './harness.js';

const SECRET = 'a-webhook-secret-for-the-tests-0123456789';
const API_SECRET = 'an-api-secret-for-the-tests-0123456789';
// Streams must not time out (NO_DATA) while a test looks at them.
const TIMING = { peerTimeoutMs: 2500, streamTimeoutMs: 2500 };

async function receiver(): Promise<WebhookReceiver> {
  const r = await new WebhookReceiver().start();
  onCleanup(() => r.stop());
  return r;
}

/** The signature checked from its definition: hex HMAC-SHA256(secret, "<t>.<raw body>"), t within 5 minutes. */
function checkByHand(hook: ReceivedHook): void {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(hook.signature ?? '');
  expect(match, hook.signature).not.toBeNull();
  const [, t, v1] = match!;
  expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(300);
  expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${hook.raw}`).digest('hex'));
}

describe('webhooks', () => {
  test('every event type, signed: joined, published, unpublished, role changed, left (QUIT, SERVER_TIMEOUT, KICKED), channel created and destroyed', async () => {
    const hooks = await receiver();
    const server = await testServer({ ...TIMING, webhookUrls: [hooks.url], webhookSecret: SECRET, apiSecret: API_SECRET });
    const a = testClient(server.url);
    await a.client.join(null, 'hooks', 1, { attributes: { name: 'Ada' } });
    const stream = await a.client.publish();
    await a.client.unpublish(stream);
    await a.client.setClientRole('audience');
    await a.client.setClientRole('host');
    const { client: raw } = await RawClient.joined(server.url, { appId: 'default', channel: 'hooks', uid: 2 });
    raw.terminate(); // silent: SERVER_TIMEOUT after the peer timeout
    const c = testClient(server.url);
    await c.client.join(null, 'hooks', 3);
    const kick = await fetch(`http://127.0.0.1:${server.port}/v1/apps/default/channels/hooks/kick`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ uid: 3 }),
    });
    expect(await kick.json()).toEqual({ kicked: 1 });
    await waitFor(() => hooks.log('hooks').includes('member-left 2 SERVER_TIMEOUT') && hooks.log('hooks').includes('member-left 3 KICKED'), { timeoutMs: 10_000 });
    await a.client.leave();
    await waitFor(() => hooks.log('hooks').at(-1) === 'channel-destroyed', { timeoutMs: 5000 });

    const log = hooks.log('hooks');
    const first = log.slice(0, 8);
    expect(first).toEqual([
      'channel-created',
      'member-joined 1 host',
      `stream-published 1 ${stream.id}`,
      `stream-unpublished 1 UNPUBLISHED`,
      'member-role-changed 1 audience',
      'member-role-changed 1 host',
      'member-joined 2 host',
      expect.stringMatching(/^member-(joined 3 host|left 2 SERVER_TIMEOUT)$/),
    ]);
    expect(log).toContain('member-left 2 SERVER_TIMEOUT');
    expect(log).toContain('member-left 3 KICKED');
    expect(log.slice(-2)).toEqual(['member-left 1 QUIT', 'channel-destroyed']);
    expect(hooks.received.find((h) => h.event.type === 'member-joined' && h.event.uid === 1)!.event).toMatchObject({ appId: 'default', channel: 'hooks', attributes: { name: 'Ada' }, at: expect.any(Number) });
    expect(new Set(hooks.received.map((h) => h.event.type))).toEqual(
      new Set(['channel-created', 'channel-destroyed', 'member-joined', 'member-left', 'member-role-changed', 'stream-published', 'stream-unpublished']),
    );
    // One delivery per event, each signed; verifyWebhook() agrees with the hand check.
    expect(new Set(hooks.received.map((h) => h.event.id)).size).toBe(hooks.received.length);
    for (const hook of hooks.received) {
      checkByHand(hook);
      expect(verifyWebhook(hook.raw, hook.signature, SECRET)).toEqual(hook.event);
    }
  });

  test('verifyWebhook refuses a tampered body, another secret, an old or malformed signature: INVALID_SIGNATURE', async () => {
    const hooks = await receiver();
    const server = await testServer({ webhookUrls: [hooks.url], webhookSecret: SECRET });
    await testClient(server.url).client.join(null, 'verify', 1);
    await waitFor(() => hooks.received.length >= 2);
    const { raw, signature } = hooks.received[1]!;
    const t = Number(/t=(\d+)/.exec(signature!)![1]);
    const refusals = [
      () => verifyWebhook(raw.replace('"uid":1', '"uid":2'), signature, SECRET),
      () => verifyWebhook(raw, signature, 'another-secret-0123456789'),
      () => verifyWebhook(raw, signature, SECRET, { now: (t + 301) * 1000 }),
      () => verifyWebhook(raw, signature, SECRET, { toleranceSeconds: 10, now: (t - 11) * 1000 }),
      () => verifyWebhook(raw, undefined, SECRET),
      () => verifyWebhook(raw, 'v1=abc', SECRET),
      () => verifyWebhook(raw, `t=${t}`, SECRET),
      () => verifyWebhook(raw, `t=${t},v1=${'0'.repeat(64)}`, SECRET),
      () => verifyWebhook('{"not":"an event"}', `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.{"not":"an event"}`).digest('hex')}`, SECRET),
    ];
    for (const refuse of refusals) expect(refuse).toThrow(expect.objectContaining({ name: 'ChannelLinkError', code: 'INVALID_SIGNATURE' }));
    expect(verifyWebhook(Buffer.from(raw), signature, SECRET, { now: (t + 299) * 1000 }).type).toBe('member-joined');
  });

  test('a receiver down for a few seconds gets every event afterwards, in order; several URLs each get every event', async () => {
    const down = await receiver();
    const other = await receiver();
    const server = await testServer({ ...TIMING, webhookUrls: [down.url, other.url], webhookSecret: SECRET });
    await down.stop();
    const members = [1, 2, 3, 4, 5];
    for (const uid of members) {
      const c = testClient(server.url);
      await c.client.join(null, 'order', uid);
      await c.client.leave();
    }
    await waitFor(() => other.log('order').at(-1) === 'channel-destroyed', { timeoutMs: 5000 });
    // Down for a few seconds: until the server has failed to reach it several times (backoff 250, 500, 1000 ms ...), then back on the same port.
    await waitFor(() => server.stats().counters.webhookAttemptsFailed >= 3, { timeoutMs: 15_000 });
    expect(down.received).toEqual([]);
    await down.start(down.port);
    await waitFor(() => down.log('order').length === other.log('order').length, { timeoutMs: 20_000 });
    const ids = (r: WebhookReceiver) => r.received.map((h) => h.event.id);
    expect(new Set(ids(down))).toEqual(new Set(ids(other)));
    expect(new Set(ids(down)).size).toBe(ids(down).length);
    const expected = members.flatMap((uid) => ['channel-created', `member-joined ${uid} host`, `member-left ${uid} QUIT`, 'channel-destroyed']);
    expect(other.log('order')).toEqual(expected);
    if (CLUSTER) {
      // Each node sends what it decided from its own queue, in order: a member's join and leave
      // (decided by its node) stay in order; events of different nodes may interleave otherwise
      // after an outage (docs/backend.md, Webhooks).
      for (const uid of members) {
        const log = down.log('order');
        expect(log.indexOf(`member-joined ${uid} host`)).toBeLessThan(log.indexOf(`member-left ${uid} QUIT`));
      }
    } else {
      // One node: exactly the order decided.
      expect(down.log('order')).toEqual(expected);
    }
  });

  test('a failing receiver (5xx) is retried until it answers 2xx; the metrics count deliveries, failures and the queue', async () => {
    const hooks = await receiver();
    hooks.failWith = 503;
    const server = await testServer({ webhookUrls: [hooks.url], webhookSecret: SECRET, metrics: true });
    await testClient(server.url).client.join(null, 'retry', 1);
    await waitFor(() => hooks.requests >= 3, { timeoutMs: 10_000 });
    hooks.failWith = null;
    await waitFor(() => hooks.log('retry').length === 2, { timeoutMs: 10_000 });
    expect(hooks.log('retry')).toEqual(['channel-created', 'member-joined 1 host']);
    // Every node's metrics (one node: the same one thrice): the node that decided the events counts them.
    const texts = await Promise.all([server.port, server.port, server.port].map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
    const text = texts.join('\n');
    expect(text).toMatch(/channel_link_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
    expect(text).toMatch(/channel_link_webhook_queue_length \d/);
    expect(text).toContain('channel_link_webhook_delivery_seconds_bucket');
  });
});
