/**
 * The point of channel-link, in a real browser: UID 1's page runs a busy loop on its main thread
 * for 3 x peerTimeoutMs (the demo's "Freeze main thread" button); its worker keeps heartbeating,
 * so UID 2 (another browser context: another renderer process, another main thread) sees no
 * leave, and UID 1 is still CONNECTED afterwards without a single state change. A control run with
 * the engine on the page's main thread (`worker: 'inline'`) shows the same freeze does drop the user.
 */
import { describe, expect, test } from 'vitest';
import { FAST_CLIENT, FAST_SERVER, demoServer, hasBrowser, openDemo } from './support/harness.js';

const PEER_TIMEOUT_MS = FAST_SERVER.peerTimeoutMs!;
const FREEZE_MS = 3 * PEER_TIMEOUT_MS;

describe.skipIf(!hasBrowser)('frozen main thread in Chromium', () => {
  test('a busy loop of 3 x peerTimeoutMs on the page does not drop the user', async () => {
    const { httpUrl } = await demoServer(FAST_SERVER);
    const room = { channel: 'frozen', ...FAST_CLIENT, join: '1' };
    const two = await openDemo(httpUrl, { ...room, uid: '2' });
    const one = await openDemo(httpUrl, { ...room, uid: '1', freeze: String(FREEZE_MS / 1000) });
    await one.waitForState('CONNECTED');
    await two.waitForEvent('peer-online 1');
    const streamId = await one.publish();
    await two.waitForEvent(`stream-added 1 ${streamId}`);
    const twoEventsBefore = (await two.events()).length;

    const clickedAt = Date.now();
    await one.click('freeze');
    // The result note is written by the page once its main thread runs again.
    await one.page.waitForSelector('[data-testid="freeze-result"]', { state: 'attached', timeout: FREEZE_MS + 10_000 });
    const frozenFor = Date.now() - clickedAt;
    expect(frozenFor).toBeGreaterThanOrEqual(FREEZE_MS);
    const [result] = await one.notes('freeze-result');
    expect(result).toMatch(/^Main thread was frozen for 4\.5 s\. The worker kept the heartbeat going: still CONNECTED, no state change, 0 reconnects/);
    expect(result).toContain('peers never saw a leave');

    // UID 2 saw nothing: give a late timeout (if any) one more peer timeout to show up.
    await new Promise((resolve) => setTimeout(resolve, PEER_TIMEOUT_MS));
    expect((await two.events()).slice(twoEventsBefore)).toEqual([]);
    await two.waitForPeers({ 1: [streamId] }, 1000);
    expect(await one.state()).toBe('CONNECTED');
    expect(await one.timeline()).toEqual(['DISCONNECTED->CONNECTING JOIN', 'CONNECTING->CONNECTED JOINED']);
    expect(one.pageErrors).toEqual([]);
    expect(two.pageErrors).toEqual([]);
  });

  test("control: the same freeze with worker: 'inline' drops the user", async () => {
    const { httpUrl } = await demoServer(FAST_SERVER);
    const room = { channel: 'frozen-inline', ...FAST_CLIENT, join: '1' };
    const two = await openDemo(httpUrl, { ...room, uid: '2' });
    const one = await openDemo(httpUrl, { ...room, uid: '1', worker: 'inline', freeze: String(FREEZE_MS / 1000) });
    await one.waitForState('CONNECTED');
    expect(one.page.workers()).toEqual([]);
    await two.waitForEvent('peer-online 1');
    const streamId = await one.publish();
    await two.waitForEvent(`stream-added 1 ${streamId}`);

    await one.click('freeze');
    await one.page.waitForSelector('[data-testid="freeze-result"]', { state: 'attached', timeout: FREEZE_MS + 10_000 });
    expect((await one.notes('freeze-result'))[0]).toMatch(/^Main thread was frozen for 4\.5 s and the connection dropped: CONNECTED → CONNECTING/);
    await two.waitForEvent('peer-leave 1 SERVER_TIMEOUT');
    expect(await two.events('stream-removed', 'peer-leave')).toEqual([`stream-removed 1 ${streamId} NO_DATA`, 'peer-leave 1 SERVER_TIMEOUT']);
    // The engine recovers once the thread is free again.
    await one.waitForTimeline('CONNECTING->CONNECTED RECONNECTED');
    await two.waitForEvent('peer-online 1', { count: 2 });
    expect(one.pageErrors).toEqual([]);
  });
});
