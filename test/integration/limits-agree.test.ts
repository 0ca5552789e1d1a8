/**
 * Limits agree across the wire (docs/api.md, Limits). A client may hold as many subscriptions as the
 * server accepts and its join frame can carry after a reconnect (src/limits.ts), and no more: the
 * one beyond is refused at once with INVALID_OPERATION, instead of being accepted and then getting
 * the client disconnected (PROTOCOL_ERROR, or 1009 for a frame too large) at its next reconnect.
 * Real server, real sockets; the subscriber reaches it through a fault proxy, to reconnect.
 */
import { describe, expect, test } from 'vitest';
import { ChannelLinkError, type Uid } from 'channel-link';
import { MAX_SUBSCRIPTION_BYTES, MAX_SUBSCRIPTIONS_PER_MEMBER, MAX_STREAMS_PER_MEMBER } from '../../src/limits.js';
import { RawClient } from '../server/raw-client.js';
import { waitFor } from '../support/wait-for.js';
import { onCleanup, proxyTo, testClient, testServer, type TestClient } from './harness.js';

/** Long timeouts (the raw publishers send no heartbeat) and no rate limit on the subscriber's burst of requests. */
const SERVER = { peerTimeoutMs: 60_000, streamTimeoutMs: 60_000, controlRatePerSecond: 100_000, controlBurst: 100_000 };

/** Raw publishers in `channel`, each with MAX_STREAMS_PER_MEMBER streams (or `streams`). */
async function publishers(url: string, channel: string, uids: Uid[], streamId: (p: number, i: number) => string, streams = MAX_STREAMS_PER_MEMBER) {
  const refs: { uid: Uid; streamId: string; publisher: RawClient }[] = [];
  for (const [p, uid] of uids.entries()) {
    const ids = Array.from({ length: streams }, (_, i) => streamId(p, i));
    const { client } = await RawClient.joined(url, { appId: 'default', channel, uid, streams: ids });
    onCleanup(() => client.close());
    for (const id of ids) refs.push({ uid, streamId: id, publisher: client });
  }
  return refs;
}

/** Reconnects `sub` (the proxy cuts its link) and waits until it is CONNECTED again, with nothing refused. */
async function reconnect(sub: TestClient, proxy: { drop(): void }) {
  const before = sub.log('connection-state-change').length;
  proxy.drop();
  await waitFor(() => sub.log('connection-state-change').slice(before).includes('state CONNECTING->CONNECTED RECONNECTED'), {
    timeoutMs: 8000,
    message: `RECONNECTED; saw ${sub.log('connection-state-change', 'exception', 'connection-attempt-failed').slice(before).join(', ')}`,
  });
  expect(sub.log('exception')).toEqual([]);
  expect(sub.client.getConnectionState()).toBe('CONNECTED');
}

describe('subscription limits agree between client, join frame and server', () => {
  test(`${MAX_SUBSCRIPTIONS_PER_MEMBER} subscriptions are kept across a reconnect; one more is refused at once`, async () => {
    const server = await testServer(SERVER);
    const proxy = await proxyTo(server);
    const count = MAX_SUBSCRIPTIONS_PER_MEMBER / MAX_STREAMS_PER_MEMBER;
    const refs = await publishers(server.url, 'many', Array.from({ length: count + 1 }, (_, p) => 100 + p), (p, i) => `p${p}s${i}`);
    const sub = testClient(proxy.url(), { joinTimeoutMs: 10_000 });
    await sub.client.join(null, 'many', 1);
    expect(sub.peers().size).toBe(count + 1);

    const within = refs.slice(0, MAX_SUBSCRIPTIONS_PER_MEMBER);
    const remotes = await Promise.all(within.map((r) => sub.client.subscribe(r.uid, r.streamId)));
    expect(remotes).toHaveLength(MAX_SUBSCRIPTIONS_PER_MEMBER);

    const beyond = refs[MAX_SUBSCRIPTIONS_PER_MEMBER]!;
    const refused = await sub.client.subscribe(beyond.uid, beyond.streamId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ChannelLinkError);
    expect(refused).toMatchObject({ code: 'INVALID_OPERATION', message: expect.stringContaining(String(MAX_SUBSCRIPTIONS_PER_MEMBER)) });

    // The next reconnect carries all of them in its join frame, and the server takes it.
    await reconnect(sub, proxy);
    const last = within.at(-1)!;
    const got: unknown[] = [];
    remotes.at(-1)!.messages$.subscribe(({ data }) => got.push(data));
    last.publisher.sendData(last.streamId, 'after the reconnect');
    await waitFor(() => got.length === 1, { message: 'data on the last subscription after the reconnect' });
    // Still at the limit: the one beyond is still refused, and one freed makes room for it.
    await expect(sub.client.subscribe(beyond.uid, beyond.streamId)).rejects.toMatchObject({ code: 'INVALID_OPERATION' });
    await sub.client.unsubscribe(remotes[0]!);
    await expect(sub.client.subscribe(beyond.uid, beyond.streamId)).resolves.toMatchObject({ id: beyond.streamId });
  });

  test(`subscriptions with long uids stop at ${MAX_SUBSCRIPTION_BYTES} bytes of join frame, which the server still takes after a reconnect`, async () => {
    const server = await testServer(SERVER);
    const proxy = await proxyTo(server);
    // The largest uids and stream ids the protocol allows: about 344 bytes per subscription.
    const uids = [0, 1, 2, 3].map((p) => `${'u'.repeat(254)}${p}`);
    const refs = await publishers(server.url, 'long', uids, (p, i) => `${String(p)}${'s'.repeat(60)}${String(i).padStart(3, '0')}`);
    const sub = testClient(proxy.url(), { joinTimeoutMs: 10_000 });
    await sub.client.join(null, 'long', 1);

    let subscribed = 0;
    let refusal: unknown;
    for (const ref of refs) {
      try {
        await sub.client.subscribe(ref.uid, ref.streamId);
        subscribed++;
      } catch (error) {
        refusal = error;
        break;
      }
    }
    expect(refusal, 'a subscription beyond the join frame budget is refused').toBeInstanceOf(ChannelLinkError);
    expect(refusal).toMatchObject({ code: 'INVALID_OPERATION', message: expect.stringContaining('join frame') });
    expect(subscribed).toBeLessThan(MAX_SUBSCRIPTIONS_PER_MEMBER);
    expect(subscribed).toBeGreaterThan(100);

    await reconnect(sub, proxy);
    // The server holds every one of them again: data on the last one arrives.
    const last = refs[subscribed - 1]!;
    const remote = await sub.client.subscribe(last.uid, last.streamId);
    const got: unknown[] = [];
    remote.messages$.subscribe(({ data }) => got.push(data));
    last.publisher.sendData(last.streamId, 'still subscribed');
    await waitFor(() => got.length === 1, { message: 'data on the last subscription after the reconnect' });
  });
});
