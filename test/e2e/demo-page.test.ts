/**
 * The demo page as a person uses it: default server URL from the page's host, join through the
 * form, see peers and their streams, publish, subscribe (last message and rate), a simulated
 * network loss on the state timeline, a tab switched to audience and back (it leaves the others'
 * peer lists and comes back, the channel counts follow), phone width, leave (the peer stays listed
 * as gone). Saves the mid-session screenshot (test-results/demo-tabs.png always; docs/demo-tabs.png when missing or with
 * UPDATE_DEMO_SCREENSHOT=1).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OPTIONS } from 'channel-link/server';
import { describe, expect, test } from 'vitest';
import { demoServer, hasBrowser, openDemo, type DemoPage } from './support/harness.js';

const ROOT = new URL('../../', import.meta.url);
const SHOT = fileURLToPath(new URL('test-results/demo-tabs.png', ROOT));
const DOCS_SHOT = fileURLToPath(new URL('docs/demo-tabs.png', ROOT));

const rateOf = (page: DemoPage, uid: string) =>
  page.page.locator(`[data-testid="remote-stream"][data-uid="${uid}"] [data-testid="stream-rate"]`).getAttribute('data-rate').then(Number);

describe.skipIf(!hasBrowser)('demo page', () => {
  test('join, peers, publish, subscribe, network loss, roles, phone width, leave', async () => {
    // Peer timeouts longer than the simulated loss: the session resumes, peers notice nothing.
    const { server, httpUrl } = await demoServer({ peerTimeoutMs: 6000, streamTimeoutMs: 6000 });

    // UID 1 uses the form, as a person would.
    const one = await openDemo(httpUrl);
    expect(await one.testId('server-url').inputValue()).toBe(server.url);
    expect(await one.state()).toBe('DISCONNECTED');
    // What a simulated loss does is said from the server's real default peer timeout.
    expect(await one.testId('loss-hint').textContent()).toBe(
      "The worker's transport drops everything both ways (debug hook). Longer than the server's peer timeout " +
        `(${DEFAULT_OPTIONS.peerTimeoutMs / 1000} s by default), the other tab sees stream-removed, peer-leave, then you come back; ` +
        'shorter (counted from the last heartbeat the server got), you resume and it sees nothing.',
    );
    await one.testId('channel').fill('demo');
    await one.testId('uid').fill('1');
    await one.page.locator('details.tuning summary').click();
    await one.page.locator('input[name="heartbeatIntervalMs"]').fill('250');
    await one.page.locator('input[name="connectionTimeoutMs"]').fill('1000');
    await one.click('join');
    await one.waitForState('CONNECTED');
    expect(await one.notes()).toContain('Joined "demo" as uid 1.');
    await expect.poll(() => one.testId('stats').textContent()).toMatch(/^uid 1 · RTT \d+ ms · reconnects 0 · 0 peers$/);

    // Two more people join and publish; UID 1 sees both, live. UID 2 has a name (an attribute).
    const two = await openDemo(httpUrl, { channel: 'demo', uid: '2', name: 'Ada', join: '1' });
    const three = await openDemo(httpUrl, { channel: 'demo', uid: '101', join: '1' });
    await two.waitForState('CONNECTED');
    await three.waitForState('CONNECTED');
    const [streamTwo, streamThree] = [await two.publish(), await three.publish()];
    await one.waitForPeers({ 2: [streamTwo], 101: [streamThree] });
    expect(await one.testId('peer-count').textContent()).toBe('2');
    // UID 2's name and link quality are in UID 1's list; a new name reaches it (peer-attributes-changed).
    await expect.poll(() => one.page.locator('[data-testid="peer"][data-uid="2"] [data-testid="peer-name"]').textContent()).toBe('Ada');
    await expect.poll(() => one.page.locator('[data-testid="peer"][data-uid="2"] [data-testid="peer-quality"]').getAttribute('data-quality').then(Number), { timeout: 10_000 }).toBeGreaterThan(0);
    await two.testId('name').fill('Ada L.');
    await two.testId('name').blur(); // a change event, as leaving the field makes it
    await expect.poll(() => one.page.locator('[data-testid="peer"][data-uid="2"] [data-testid="peer-name"]').textContent()).toBe('Ada L.');
    await expect.poll(() => one.page.locator('[data-testid="own-quality"] .quality').getAttribute('data-quality').then(Number), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => one.testId('channel-info').textContent()).toBe('hosts 3 · audience 0');
    // The full uid, never cut short.
    expect(await one.page.locator('[data-testid="peer"][data-uid="101"] .uid').textContent()).toBe('uid 101');

    // UID 1 publishes; the others see its stream.
    const streamOne = await one.publish();
    await two.waitForPeers({ 1: [streamOne], 101: [streamThree] });
    await expect.poll(() => one.testId('local-stream').textContent()).toMatch(/ticks sent/);

    // UID 1 subscribes to UID 2's ticks: last message and rate (~10 msg/s).
    await one.page.locator('[data-testid="remote-stream"][data-uid="2"] [data-testid="subscribe"]').click();
    await expect.poll(() => one.page.locator('[data-testid="remote-stream"][data-uid="2"] [data-testid="stream-last"]').textContent()).toMatch(/^tick \d+$/);
    await expect.poll(() => rateOf(one, '2'), { timeout: 5000 }).toBeGreaterThanOrEqual(5);

    // Simulated network loss (2 s > connectionTimeoutMs 1000): TIMEOUT, then RECONNECTED.
    await one.testId('loss-seconds').fill('2');
    await one.click('network-loss');
    await one.waitForTimeline('CONNECTED->CONNECTING TIMEOUT', 5000);
    await one.waitForTimeline('CONNECTING->CONNECTED RECONNECTED', 10_000);
    expect(await one.timeline()).toEqual([
      'DISCONNECTED->CONNECTING JOIN',
      'CONNECTING->CONNECTED JOINED',
      'CONNECTED->CONNECTING TIMEOUT',
      'CONNECTING->CONNECTED RECONNECTED',
    ]);
    // The subscription is back by itself (full rate again), and the peers never saw UID 1 go.
    await expect.poll(() => rateOf(one, '2'), { timeout: 5000 }).toBeGreaterThanOrEqual(8);
    await expect.poll(() => one.notes()).toContain('Simulated network loss is over.');
    expect(await two.events('peer-leave')).toEqual([]);
    expect(await three.events('peer-leave')).toEqual([]);

    // UID 101 switches to audience: its stream goes, it vanishes from the others' peer lists (listed
    // as gone, BECOME_AUDIENCE), the counts change, and it can no longer publish; it still sees the hosts.
    await three.page.getByTestId('role-audience').check();
    await three.waitForEvent('client-role-changed audience');
    await one.waitForEvent(`stream-removed 101 ${streamThree} UNPUBLISHED`);
    await one.waitForEvent('peer-leave 101 BECOME_AUDIENCE');
    await one.waitForPeers({ 2: [streamTwo] });
    await two.waitForPeers({ 1: [streamOne] });
    await one.page.waitForSelector('[data-testid="peer-gone"][data-uid="101"][data-reason="BECOME_AUDIENCE"]', { state: 'attached' });
    for (const page of [one, two, three]) await expect.poll(() => page.testId('channel-info').textContent()).toBe('hosts 2 · audience 1');
    expect(await three.testId('publish').isDisabled()).toBe(true);
    expect(await three.testId('local-stream').textContent()).toBe('Not publishing.');
    await three.waitForPeers({ 1: [streamOne], 2: [streamTwo] });

    // Mid-session screenshot: a peer with its stream and rate, one gone to the audience, the
    // channel's counts, the state timeline, the event log.
    await mkdir(fileURLToPath(new URL('test-results/', ROOT)), { recursive: true });
    await one.page.screenshot({ path: SHOT, fullPage: true });
    expect((await stat(SHOT)).size).toBeLessThan(500_000);
    if (!existsSync(DOCS_SHOT) || process.env.UPDATE_DEMO_SCREENSHOT === '1') await copyFile(SHOT, DOCS_SHOT);

    // Back to host: UID 101 is in the peer lists again, the counts follow, and it publishes again.
    await three.page.getByTestId('role-host').check();
    await three.waitForEvent('client-role-changed host');
    await one.waitForEvent('peer-online 101', { count: 2 });
    await one.waitForPeers({ 2: [streamTwo], 101: [] });
    for (const page of [one, two, three]) await expect.poll(() => page.testId('channel-info').textContent()).toBe('hosts 3 · audience 0');
    const streamThreeAgain = await three.publish();
    await two.waitForPeers({ 1: [streamOne], 101: [streamThreeAgain] });

    // Phone width: one column, nothing wider than the screen.
    await one.page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => one.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await one.page.screenshot({ path: fileURLToPath(new URL('test-results/demo-phone.png', ROOT)), fullPage: true });

    // Leave: peers see QUIT at once; UID 1's view empties.
    await one.click('leave');
    await one.waitForState('DISCONNECTED');
    expect((await one.timeline()).slice(-2)).toEqual(['CONNECTED->DISCONNECTING LEAVE', 'DISCONNECTING->DISCONNECTED LEAVE']);
    await two.waitForEvent('peer-leave 1 QUIT');
    await three.waitForEvent('peer-leave 1 QUIT');
    await two.waitForPeers({ 101: [streamThreeAgain] });
    // A peer that left stays listed, greyed, with the reason.
    await two.page.waitForSelector('[data-testid="peer-gone"][data-uid="1"][data-reason="QUIT"]', { state: 'attached' });
    await one.waitForPeers({});
    expect(await one.testId('local-stream').textContent()).toBe('Not publishing.');

    for (const page of [one, two, three]) expect(page.pageErrors).toEqual([]);
  });
});
