/**
 * The seed's T0-T10 (docs/behaviour.md, The timeline) in real Chromium: two demo pages, UID 1 and UID 2,
 * each in its own browser context. UID 1's worker reaches the server through a fault proxy; UID 2's directly.
 * Everything asserted is what each page's app code rendered from the SDK's public observables:
 * events$ (event log), connectionStateChange$ (timeline), connectionState$ (badge), peers$ (peer list).
 */
import { describe, expect, test } from 'vitest';
import { FAST_CLIENT, FAST_SERVER, demoServer, hasBrowser, openDemo, proxyTo } from './support/harness.js';

describe.skipIf(!hasBrowser)('seed timeline T0-T10 in Chromium', () => {
  test('join, publish, half-open outage, server timeouts, rejoin, leave', async () => {
    const { server, httpUrl } = await demoServer(FAST_SERVER);
    const proxy = await proxyTo(server);
    const room = { channel: 'room-1', ...FAST_CLIENT, join: '1' };

    // Before T0, UID 2 is in the channel. T0-T2: UID 1 joins, is CONNECTED and sees UID 2 at once;
    // UID 2 gets peer-online 1.
    const two = await openDemo(httpUrl, { ...room, uid: '2' });
    await two.waitForState('CONNECTED');
    const one = await openDemo(httpUrl, { ...room, uid: '1', url: proxy.url() });
    await one.waitForState('CONNECTED');
    await one.waitForEvent('peer-online 2');
    expect(await one.events()).toEqual([
      'state DISCONNECTED->CONNECTING JOIN',
      'state CONNECTING->CONNECTED JOINED',
      'connected',
      'peer-online 2',
    ]);
    expect(await one.peers()).toEqual({ 2: [] });
    await two.waitForEvent('peer-online 1');

    // T3-T4: UID 1 publishes its tick stream; UID 2 gets stream-added and subscribes.
    const streamId = await one.publish();
    await two.waitForEvent(`stream-added 1 ${streamId}`);
    await two.waitForPeers({ 1: [streamId] });
    await two.page.locator(`[data-testid="remote-stream"][data-uid="1"] [data-testid="subscribe"]`).click();
    const lastTick = two.page.locator(`[data-testid="remote-stream"][data-uid="1"] [data-testid="stream-last"]`);
    await expect.poll(() => lastTick.textContent()).toMatch(/^tick \d+$/);

    // T5: UID 1's link goes half-open: nothing arrives, no socket error fires. T7: it notices
    // within its connection timeout and goes CONNECTING, before the server's timeouts (T6, T8).
    const tickBefore = await lastTick.textContent();
    proxy.blackhole('both');
    await one.waitForTimeline('CONNECTED->CONNECTING TIMEOUT', 5000);
    expect(await one.state()).toBe('CONNECTING');

    // T6, T8: the server hears nothing: stream-removed NO_DATA, then peer-leave SERVER_TIMEOUT.
    await two.waitForEvent('peer-leave 1 SERVER_TIMEOUT', { timeout: 8000 });
    expect(await two.events('stream-removed', 'peer-leave')).toEqual([`stream-removed 1 ${streamId} NO_DATA`, 'peer-leave 1 SERVER_TIMEOUT']);
    await two.waitForPeers({});
    expect(await one.timeline()).toEqual(['DISCONNECTED->CONNECTING JOIN', 'CONNECTING->CONNECTED JOINED', 'CONNECTED->CONNECTING TIMEOUT']);
    expect(await one.state()).toBe('CONNECTING');

    // T9-T10: the network returns; UID 1 rejoins and republishes; UID 2 sees it come back.
    proxy.restore();
    await one.waitForTimeline('CONNECTING->CONNECTED RECONNECTED', 10_000);
    await one.waitForState('CONNECTED');
    expect((await one.events('state', 'connected')).slice(-2)).toEqual(['state CONNECTING->CONNECTED RECONNECTED', 'connected']);
    await two.waitForEvent(`stream-added 1 ${streamId}`, { count: 2 });
    expect(await two.events('peer-online', 'peer-leave', 'stream-added', 'stream-removed')).toEqual([
      'peer-online 1',
      `stream-added 1 ${streamId}`,
      `stream-removed 1 ${streamId} NO_DATA`,
      'peer-leave 1 SERVER_TIMEOUT',
      'peer-online 1',
      `stream-added 1 ${streamId}`,
    ]);
    await two.waitForPeers({ 1: [streamId] });
    // UID 2's subscription was restored by the SDK: fresh ticks arrive without a new subscribe().
    await expect.poll(() => lastTick.textContent(), { timeout: 5000 }).not.toBe(tickBefore);
    // UID 2 never left, so UID 1's resynchronised view is unchanged: no duplicate events.
    expect(await one.events('peer-online', 'peer-leave')).toEqual(['peer-online 2']);
    expect(await one.peers()).toEqual({ 2: [] });

    // After the story: UID 1 leaves; UID 2 sees QUIT at once (the peer timeout would take 1500 ms).
    const leaveAt = Date.now();
    await one.click('leave');
    await two.waitForEvent('peer-leave 1 QUIT', { timeout: 3000 });
    expect(Date.now() - leaveAt).toBeLessThan(FAST_SERVER.peerTimeoutMs!);
    await one.waitForState('DISCONNECTED');
    expect((await one.timeline()).slice(-2)).toEqual(['CONNECTED->DISCONNECTING LEAVE', 'DISCONNECTING->DISCONNECTED LEAVE']);
    expect((await two.events('stream-removed')).at(-1)).toBe(`stream-removed 1 ${streamId} PEER_LEFT`);
    await two.waitForPeers({});

    expect(one.pageErrors).toEqual([]);
    expect(two.pageErrors).toEqual([]);
  });
});
