/** Attributes: who a peer is, beside its uid (docs/behaviour.md, Attributes). */
import { describe, expect, test } from 'vitest';
import { RawClient } from '../server/raw-client.js';
import { waitFor } from '../support/wait-for.js';
import { proxyTo, testClient, testServer } from './harness.js';

const caught = (promise: Promise<unknown>) => promise.then(() => 'resolved', (e: { code?: string }) => e.code);
const isState = (cur: string, reason?: string) => (e: { type: string; curState?: string; reason?: string }) =>
  e.type === 'connection-state-change' && e.curState === cur && (reason === undefined || e.reason === reason);

describe('attributes', () => {
  test('join carries them: peer-online, peers$ and a late joiner all show them; setAttributes replaces them', async () => {
    const server = await testServer();
    const ada = testClient(server.url);
    const bob = testClient(server.url);
    await ada.client.join(null, 'attrs', 1, { attributes: { name: 'Ada' } });
    expect(ada.client.getAttributes()).toEqual({ name: 'Ada' });
    await bob.client.join(null, 'attrs', 2, { attributes: { name: 'Bob' } });
    // Bob finds Ada in the snapshot; Ada hears of Bob.
    expect(bob.peers().get(1)?.attributes).toEqual({ name: 'Ada' });
    expect(bob.events.find((e) => e.type === 'peer-online')).toEqual({ type: 'peer-online', uid: 1, attributes: { name: 'Ada' } });
    const online = await ada.waitForEvent((e) => e.type === 'peer-online' && e.uid === 2);
    expect(online).toEqual({ type: 'peer-online', uid: 2, attributes: { name: 'Bob' } });

    await ada.client.setAttributes({ name: 'Ada', hand: 'up' });
    expect(ada.client.getAttributes()).toEqual({ name: 'Ada', hand: 'up' });
    const changed = await bob.waitForEvent((e) => e.type === 'peer-attributes-changed');
    expect(changed).toEqual({ type: 'peer-attributes-changed', uid: 1, attributes: { name: 'Ada', hand: 'up' } });
    expect(bob.peers().get(1)?.attributes).toEqual({ name: 'Ada', hand: 'up' });
    // A set that changes nothing tells nobody anything.
    await ada.client.setAttributes({ hand: 'up', name: 'Ada' });
    const late = testClient(server.url);
    await late.client.join(null, 'attrs', 3);
    expect(late.peers().get(1)?.attributes).toEqual({ name: 'Ada', hand: 'up' });
    expect(late.peers().get(2)?.attributes).toEqual({ name: 'Bob' });
    expect(bob.log('peer-attributes-changed')).toEqual(['peer-attributes-changed']);
  });

  test('the limits: a bad set rejects with INVALID_PARAMS and changes nothing, on the client and on the server', async () => {
    const server = await testServer();
    const ada = testClient(server.url);
    const bob = testClient(server.url);
    await ada.client.join(null, 'attr-limits', 1, { attributes: { name: 'Ada' } });
    await bob.client.join(null, 'attr-limits', 2);
    const tooMany = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']));
    const tooBig = { blob: 'x'.repeat(4100) };
    for (const bad of [tooMany, tooBig, { n: 1 }, { '': 'empty key' }, ['a'], null, 'name']) {
      expect(await caught(ada.client.setAttributes(bad as never))).toBe('INVALID_PARAMS');
    }
    expect(await caught(testClient(server.url).client.join(null, 'attr-limits', 3, { attributes: tooBig }))).toBe('INVALID_PARAMS');
    expect(ada.client.getAttributes()).toEqual({ name: 'Ada' });
    // Exactly at the limits is fine.
    const atLimit = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v']));
    await ada.client.setAttributes(atLimit);

    // The server checks again: a raw client past the limits gets INVALID_PARAMS and stays joined.
    const raw = await RawClient.joined(server.url, { channel: 'attr-limits', uid: 9, appId: 'default' });
    const reply = await raw.client.request({ type: 'set-attributes', attributes: tooMany });
    expect(reply).toMatchObject({ type: 'error', code: 'INVALID_PARAMS' });
    const ok = await raw.client.request({ type: 'set-attributes', attributes: { name: 'raw' } });
    expect(ok).toMatchObject({ type: 'ack' });
    await waitFor(() => bob.peers().get(9)?.attributes.name === 'raw', { message: 'bob sees the raw client' });
    raw.client.close();
    expect(bob.peers().get(1)?.attributes).toEqual(atLimit);
  });

  test('a burst is coalesced: the last value always arrives, in far fewer changes', async () => {
    const server = await testServer();
    const ada = testClient(server.url);
    const bob = testClient(server.url);
    await ada.client.join(null, 'attr-burst', 1);
    await bob.client.join(null, 'attr-burst', 2);
    await ada.waitForEvent((e) => e.type === 'peer-online');
    const sets = Array.from({ length: 60 }, (_, i) => ada.client.setAttributes({ n: String(i) }));
    await Promise.all(sets);
    await waitFor(() => bob.peers().get(1)?.attributes.n === '59', { message: 'the last value arrives' });
    const changes = bob.log('peer-attributes-changed').length;
    expect(changes).toBeGreaterThan(0);
    expect(changes).toBeLessThan(30); // 60 sets: at most one write per 100 ms, whatever the machine's load
    expect(ada.client.getAttributes()).toEqual({ n: '59' });
  });

  test('kept across a resume, a reconnect after the peer timeout, and a set made while reconnecting', async () => {
    const server = await testServer();
    const proxy = await proxyTo(server);
    const ada = testClient(proxy.url());
    const bob = testClient(server.url);
    await bob.client.join(null, 'attr-keep', 2);
    await ada.client.join(null, 'attr-keep', 1, { attributes: { name: 'Ada' } });
    await bob.waitForEvent((e) => e.type === 'peer-online');

    // A short outage: resumed, Bob hears nothing.
    proxy.blackhole('both');
    await ada.waitForEvent(isState('CONNECTING', 'TIMEOUT'), 3000);
    // Set while reconnecting: the rejoin carries it.
    const setting = ada.client.setAttributes({ name: 'Ada', away: 'yes' });
    proxy.restore();
    await ada.waitForEvent(isState('CONNECTED', 'RECONNECTED'), 10_000);
    await setting;
    await waitFor(() => bob.peers().get(1)?.attributes.away === 'yes', { message: 'the set made while away arrives' });

    // A long outage: Bob sees Ada time out, then come back with her attributes.
    const reconnects = ada.log('connected').length;
    proxy.blackhole('both');
    await bob.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 1, 10_000);
    proxy.restore();
    await waitFor(() => ada.log('connected').length > reconnects, { timeoutMs: 10_000, message: 'ada is back' });
    await waitFor(() => bob.log('peer-online').length === 2, { message: 'bob sees ada again' });
    expect(bob.events.filter((e) => e.type === 'peer-online').at(-1)).toEqual({ type: 'peer-online', uid: 1, attributes: { name: 'Ada', away: 'yes' } });
    expect(ada.client.getAttributes()).toEqual({ name: 'Ada', away: 'yes' });
  });

  test('uid replacement: the newcomer with the same uid brings its own attributes', async () => {
    const server = await testServer();
    const first = testClient(server.url);
    const watcher = testClient(server.url);
    await watcher.client.join(null, 'attr-replace', 2);
    await first.client.join(null, 'attr-replace', 1, { attributes: { device: 'laptop' } });
    await waitFor(() => watcher.peers().get(1)?.attributes.device === 'laptop', { message: 'the laptop is seen' });
    const second = testClient(server.url);
    await second.client.join(null, 'attr-replace', 1, { attributes: { device: 'phone' } });
    await first.waitForEvent(isState('DISCONNECTED', 'UID_BANNED'));
    await waitFor(() => watcher.peers().get(1)?.attributes.device === 'phone', { message: 'the phone replaces the laptop' });
  });
});
