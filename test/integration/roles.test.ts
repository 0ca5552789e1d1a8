/**
 * Hosts and audience (docs/behaviour.md, Roles and large channels), end to end through the SDK:
 * an audience member is seen by nobody and sees the hosts; a role change in both directions; the
 * counts of channelInfo$; the two limits; role kept across a resume and a rejoin; an audience
 * member timing out unseen; presence batched in a join storm. On one node, and (cluster project)
 * with the members spread over three nodes of one Redis.
 */
import { describe, expect, test } from 'vitest';
import type { ChannelInfo } from 'channel-link';
import { RawClient } from '../server/raw-client.js';
import { waitFor } from '../support/wait-for.js';
import { FAST_SERVER, onCleanup, proxyTo, testClient, testServer, uidsOf } from './harness.js';

/** The latest value of a client's channelInfo$. */
function infoOf(client: ReturnType<typeof testClient>['client']): () => ChannelInfo {
  let info: ChannelInfo = { hosts: -1, audience: -1 };
  client.channelInfo$.subscribe((value) => (info = value));
  return () => info;
}

const caught = (promise: Promise<unknown>) => promise.then(() => 'resolved', (e: { code?: string }) => e.code);

describe('roles', () => {
  test('an audience member is announced to nobody, sees the hosts and their streams, subscribes, and cannot publish', async () => {
    const server = await testServer();
    const host = testClient(server.url);
    const fan = testClient(server.url, { role: 'audience' });
    const hostInfo = infoOf(host.client);
    await host.client.join(null, 'show', 1);
    const stream = await host.client.publish();
    expect(fan.client.getClientRole()).toBe('audience');
    await fan.client.join(null, 'show', 100);
    expect(uidsOf(fan.peers())).toEqual(['1']);
    expect(fan.log('peer-online', 'stream-added')).toEqual(['peer-online 1', 'stream-added 1']);
    const remote = await fan.client.subscribe(1, stream.id);
    const got: unknown[] = [];
    remote.messages$.subscribe((m) => got.push(m.data));
    stream.send('for the audience');
    await waitFor(() => got.length === 1, { message: 'the message reaches the audience member' });
    expect(await caught(fan.client.publish())).toBe('INVALID_OPERATION');
    // The host heard of nobody, but counts them.
    await waitFor(() => hostInfo().audience === 1, { message: 'the host counts the audience member', timeoutMs: 3000 });
    expect(hostInfo()).toEqual({ hosts: 1, audience: 1 });
    expect(host.log('peer-online', 'peer-leave')).toEqual([]);
    expect(host.peers().size).toBe(0);
  });

  test('host -> audience: streams unpublished, then peer-leave BECOME_AUDIENCE; audience -> host: peer-online', async () => {
    const server = await testServer();
    const a = testClient(server.url);
    const b = testClient(server.url);
    const bInfo = infoOf(b.client);
    await a.client.join(null, 'switch', 1);
    await b.client.join(null, 'switch', 2);
    const stream = await b.client.publish();
    await a.waitForEvent((e) => e.type === 'stream-added');
    await b.client.setClientRole('audience');
    expect(b.client.getClientRole()).toBe('audience');
    expect(b.log('client-role-changed')).toEqual(['client-role-changed']);
    expect(b.events.find((e) => e.type === 'client-role-changed')).toMatchObject({ role: 'audience' });
    expect(() => stream.send('x')).toThrow(expect.objectContaining({ code: 'NOT_PUBLISHED', message: expect.stringContaining('audience') }));
    await a.waitForEvent((e) => e.type === 'peer-leave');
    expect(a.log('stream-removed', 'peer-leave')).toEqual(['stream-removed 2 UNPUBLISHED', 'peer-leave 2 BECOME_AUDIENCE']);
    expect(a.peers().has(2)).toBe(false);
    // b still sees a; it publishes nothing as audience.
    expect(uidsOf(b.peers())).toEqual(['1']);
    expect(await caught(b.client.publish())).toBe('INVALID_OPERATION');
    await waitFor(() => bInfo().audience === 1 && bInfo().hosts === 1, { message: 'counts: 1 host, 1 audience', timeoutMs: 3000 });

    await b.client.setClientRole('host');
    await waitFor(() => a.log('peer-online').length === 2, { message: 'a hears of 2 again' });
    expect(a.log('peer-online')).toEqual(['peer-online 2', 'peer-online 2']);
    expect(b.client.getClientRole()).toBe('host');
    await b.client.publish();
    await waitFor(() => a.log('stream-added').length === 2, { message: 'the new host publishes' });
    await waitFor(() => bInfo().hosts === 2 && bInfo().audience === 0, { message: 'counts: 2 hosts', timeoutMs: 3000 });
  });

  test('setClientRole() before join sets the role the client joins with; a bad role is INVALID_PARAMS', async () => {
    const server = await testServer();
    const host = testClient(server.url);
    const later = testClient(server.url);
    await host.client.join(null, 'before', 1);
    await later.client.setClientRole('audience');
    expect(later.client.getClientRole()).toBe('audience');
    await later.client.join(null, 'before', 2);
    expect(await caught(later.client.publish())).toBe('INVALID_OPERATION');
    expect(await caught(later.client.setClientRole('admin' as never))).toBe('INVALID_PARAMS');
    expect(() => testClient(server.url, { role: 'vip' as never })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS' }));
    expect(host.log('peer-online')).toEqual([]);
  });

  test('the limits: maxPeersPerChannel counts hosts, maxAudiencePerChannel audience; a refused move to host keeps the role', async () => {
    const server = await testServer({ maxPeersPerChannel: 2, maxAudiencePerChannel: 2 });
    const hosts = [testClient(server.url), testClient(server.url)];
    await hosts[0]!.client.join(null, 'full', 1);
    await hosts[1]!.client.join(null, 'full', 2);
    expect(await caught(testClient(server.url).client.join(null, 'full', 3))).toBe('CHANNEL_FULL');
    const fans = [testClient(server.url, { role: 'audience' }), testClient(server.url, { role: 'audience' })];
    await fans[0]!.client.join(null, 'full', 10);
    await fans[1]!.client.join(null, 'full', 11);
    expect(await caught(testClient(server.url, { role: 'audience' }).client.join(null, 'full', 12))).toBe('CHANNEL_FULL');
    expect(await caught(fans[0]!.client.setClientRole('host'))).toBe('CHANNEL_FULL');
    expect(fans[0]!.client.getClientRole()).toBe('audience');
    expect(fans[0]!.client.getConnectionState()).toBe('CONNECTED');
    // A host leaving makes room.
    await hosts[1]!.client.leave();
    await fans[0]!.client.setClientRole('host');
    await hosts[0]!.waitForEvent((e) => e.type === 'peer-online' && e.uid === 10);
  });

  test('an audience member that times out is announced to nobody; the counts drop', async () => {
    const server = await testServer();
    const host = testClient(server.url);
    const hostInfo = infoOf(host.client);
    await host.client.join(null, 'quiet', 1);
    const proxy = await proxyTo(server);
    const fan = testClient(proxy.url(), { role: 'audience' });
    await fan.client.join(null, 'quiet', 50);
    await waitFor(() => hostInfo().audience === 1, { message: 'counted', timeoutMs: 3000 });
    proxy.refuse();
    proxy.blackhole('both');
    await waitFor(() => hostInfo().audience === 0, { message: 'the audience member timed out', timeoutMs: FAST_SERVER.peerTimeoutMs! + 4000 });
    expect(host.log('peer-online', 'peer-leave', 'stream-removed')).toEqual([]);
  });

  test('the role survives a resume and a rejoin after the peer timeout; counts hold through the resume', async () => {
    const server = await testServer();
    const host = testClient(server.url);
    const hostInfo = infoOf(host.client);
    await host.client.join(null, 'kept', 1);
    const proxy = await proxyTo(server);
    const fan = testClient(proxy.url(), { role: 'audience' });
    await fan.client.join(null, 'kept', 7);
    await waitFor(() => hostInfo().audience === 1, { message: 'counted', timeoutMs: 3000 });
    // A short cut: it resumes, still audience; the counts never moved.
    proxy.drop();
    await fan.waitForEvent((e) => e.type === 'connected' && e.resumed, 5000, 'resumed');
    expect(hostInfo()).toEqual({ hosts: 1, audience: 1 });
    // A long cut: its session times out, and it rejoins as audience.
    proxy.refuse();
    proxy.blackhole('both');
    await waitFor(() => hostInfo().audience === 0, { message: 'timed out', timeoutMs: FAST_SERVER.peerTimeoutMs! + 4000 });
    proxy.restore();
    await fan.client.debug.signalOnline();
    await waitFor(() => fan.events.filter((e) => e.type === 'connected').length === 3, { message: 'rejoined', timeoutMs: 8000 });
    expect(fan.client.getClientRole()).toBe('audience');
    await waitFor(() => hostInfo().audience === 1, { message: 'counted again', timeoutMs: 3000 });
    expect(host.log('peer-online', 'peer-leave')).toEqual([]);
    expect(await caught(fan.client.publish())).toBe('INVALID_OPERATION');
  });
});

describe('batched presence', () => {
  test('a storm of 500 joins reaches a member in few frames, and peers$ emits far fewer times than there were changes', async () => {
    const server = await testServer();
    // The raw clients join app 'test'.
    const watcher = testClient(server.url, { appId: 'test' });
    let emissions = 0;
    watcher.client.peers$.subscribe(() => emissions++);
    await watcher.client.join(null, 'storm', 1);
    const observer = await RawClient.joined(server.url, { channel: 'storm', uid: 2 });
    onCleanup(() => observer.client.close());
    // Binary heartbeats: a JSON ping is a barrier that flushes the channel's presence, which would split the batches.
    onCleanup(observer.client.binaryHeartbeat(200));
    const before = emissions;
    const crowd: RawClient[] = [];
    onCleanup(() => crowd.forEach((c) => c.close()));
    const joins: Promise<unknown>[] = [];
    for (let uid = 1000; uid < 1500; uid++) {
      joins.push(
        RawClient.joined(server.url, { channel: 'storm', uid }).then(({ client }) => {
          crowd.push(client);
          onCleanup(client.binaryHeartbeat(200));
        }),
      );
    }
    await Promise.all(joins);
    await waitFor(() => watcher.peers().size === 501, { message: 'the watcher sees all 501 peers', timeoutMs: 40_000 });
    await observer.client.waitFor(() => observer.client.events().filter((e) => e.type === 'peer-online').length === 500, 'the observer saw 500 joins', 40_000);
    const changes = 500;
    const peersEmissions = emissions - before;
    console.log(`join storm of ${changes}: ${observer.client.presenceFrames} presence frames at a raw member, ${peersEmissions} peers$ emissions at an SDK member`);
    expect(observer.client.presenceFrames).toBeLessThan(changes / 5);
    expect(peersEmissions).toBeLessThan(changes / 5);
    // Every change is still its own event, in order.
    expect(watcher.log('peer-online').length).toBe(501);
  }, 90_000);
});
