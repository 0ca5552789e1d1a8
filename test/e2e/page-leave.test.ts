/**
 * docs/behaviour.md, Leaving the page, in Chromium: closing a tab or navigating away is a departure.
 * The demo page (the SDK with its defaults: leaveOnPageHide is on, the engine in a dedicated
 * Worker) joins; an observer in Node must see `peer-leave` QUIT at once. The server keeps its
 * default peer timeout (10 s), so a leave seen within a few seconds cannot be a timeout, and its
 * reason says QUIT. A page restored from the back/forward cache joins again.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { createClient, type ChannelEvent } from 'channel-link';
import { waitFor } from '../support/wait-for.js';
import { CHROMIUM_ARGS } from './support/chromium.js';
import { DemoPage, chromiumPath, demoServer, hasBrowser, onCleanup, openDemo } from './support/harness.js';

/** A Node client in `channel` as uid 2, recording what it sees. */
async function observer(url: string, channel: string) {
  const client = createClient({ url });
  onCleanup(() => client.destroy());
  const events: ChannelEvent[] = [];
  client.events$.subscribe((e) => events.push(e));
  await client.join(null, channel, 2);
  const log = () => events.flatMap((e) => (e.type === 'peer-online' || e.type === 'peer-leave' ? [`${e.type} ${e.uid}${e.type === 'peer-leave' ? ` ${e.reason}` : ''}`] : []));
  return { log };
}

/** Seen by `who` within `timeoutMs`: `entry` (e.g. 'peer-leave 1 QUIT'), `count` times. */
const seen = (who: { log(): string[] }, entry: string, { timeoutMs = 3000, count = 1 } = {}) =>
  waitFor(() => who.log().filter((e) => e === entry).length >= count, {
    timeoutMs,
    message: `${entry} x${count}; saw ${who.log().join(', ')}`,
  });

describe.skipIf(!hasBrowser)('leaving with the page (Chromium)', () => {
  test('closing the tab: peers see peer-leave QUIT at once, not a timeout', async () => {
    const { server, httpUrl } = await demoServer();
    const peer = await observer(server.url, 'tab');
    const one = await openDemo(httpUrl, { channel: 'tab', uid: '1', join: '1' });
    await one.waitForState('CONNECTED');
    await seen(peer, 'peer-online 1');
    await one.page.close();
    await seen(peer, 'peer-leave 1 QUIT');
    expect(peer.log()).toEqual(['peer-online 1', 'peer-leave 1 QUIT']);
    expect(one.pageErrors).toEqual([]);
  });

  test('navigating away: peers see peer-leave QUIT at once', async () => {
    const { server, httpUrl } = await demoServer();
    const peer = await observer(server.url, 'nav');
    const one = await openDemo(httpUrl, { channel: 'nav', uid: '1', join: '1' });
    await one.waitForState('CONNECTED');
    await seen(peer, 'peer-online 1');
    await one.page.goto(`${httpUrl}/healthz`);
    await seen(peer, 'peer-leave 1 QUIT');
    expect(peer.log()).toEqual(['peer-online 1', 'peer-leave 1 QUIT']);
  });

  describe('with the back/forward cache on', () => {
    // Playwright turns the back/forward cache off by default; this browser keeps Chromium's default.
    let browser: Promise<Browser> | undefined;
    afterAll(async () => {
      await (await browser)?.close();
    });

    test('a page restored from the back/forward cache joins again; peers see it leave, then come back', async () => {
      const { server, httpUrl } = await demoServer();
      const peer = await observer(server.url, 'bfcache');
      browser ??= chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
      const context = await (await browser).newContext();
      onCleanup(() => context.close());
      const page = await context.newPage();
      const one = new DemoPage(page);
      await page.goto(`${httpUrl}/?view=tabs&channel=bfcache&uid=1&join=1`);
      await one.waitForState('CONNECTED');
      await seen(peer, 'peer-online 1');

      await page.goto(`${httpUrl}/healthz`);
      await seen(peer, 'peer-leave 1 QUIT');
      await page.goBack({ waitUntil: 'commit' });
      await seen(peer, 'peer-online 1', { count: 2, timeoutMs: 5000 });
      expect(peer.log()).toEqual(['peer-online 1', 'peer-leave 1 QUIT', 'peer-online 1']);
      await one.waitForState('CONNECTED');
      // The same page (its history is still there), not a reload that joined from scratch.
      expect(await one.timeline()).toEqual([
        'DISCONNECTED->CONNECTING JOIN',
        'CONNECTING->CONNECTED JOINED',
        'CONNECTED->DISCONNECTING LEAVE',
        'DISCONNECTING->DISCONNECTED LEAVE',
        'DISCONNECTED->CONNECTING JOIN',
        'CONNECTING->CONNECTED JOINED',
      ]);
      expect(one.pageErrors).toEqual([]);
    });
  });
});
