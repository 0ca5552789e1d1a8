/**
 * The React example (examples/react/, docs/api.md, React) as an app builds it: its index.html and
 * src/ copied into the app that has the packed tarball (and react, react-dom) installed, built
 * once by `vite build` with the example's own config, served by a real server, and opened in
 * Chromium twice: the two pages join under different names and each sees the other's name in
 * its presence list, a message one sends shows in the other's, and a role switch to audience
 * takes the user out of the other's list and into the audience count.
 */
import { cp, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';
import { beforeAll, describe, expect, test } from 'vitest';
import { appDir, demoServer, hasBrowser, openDemo, type DemoPage } from './support/harness.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/react/', import.meta.url));

/** Fills the join form and waits for CONNECTED. */
async function join(page: DemoPage, name: string, uid: number): Promise<void> {
  await page.testId('name').fill(name);
  await page.testId('channel').fill('react-example');
  await page.testId('uid').fill(String(uid));
  await page.click('join');
  await page.page.waitForSelector('[data-testid="state"][data-state="CONNECTED"]', { timeout: 15_000 });
}

const peerNames = (page: DemoPage) => page.page.$$eval('[data-testid="peer-name"]', (nodes) => nodes.map((n) => n.textContent));

describe.skipIf(!hasBrowser)('the React example, built against the packed tarball', () => {
  let outDir = '';
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(appDir, 'react-example-'));
    for (const part of ['index.html', 'src']) await cp(path.join(EXAMPLE, part), path.join(dir, part), { recursive: true });
    outDir = path.join(dir, 'dist');
    await viteBuild({ root: dir, configFile: false, logLevel: 'warn', build: { outDir } });
  }, 120_000);

  test('two pages join and see each other by name; a message and a role switch show on the other page', async () => {
    const { httpUrl } = await demoServer({ staticDir: outDir });
    const ada = await openDemo(httpUrl, {}, { ready: '[data-testid="join-form"]' });
    const grace = await openDemo(httpUrl, {}, { ready: '[data-testid="join-form"]' });
    await join(ada, 'Ada', 1);
    await join(grace, 'Grace', 2);
    await ada.page.waitForFunction(() => document.querySelector('[data-testid="peer"][data-uid="2"] [data-testid="peer-name"]')?.textContent === 'Grace', null, { timeout: 10_000 });
    await grace.page.waitForFunction(() => document.querySelector('[data-testid="peer"][data-uid="1"] [data-testid="peer-name"]')?.textContent === 'Ada', null, { timeout: 10_000 });
    expect(await peerNames(ada)).toEqual(['Grace']);
    expect(await peerNames(grace)).toEqual(['Ada']);
    expect(await ada.testId('own-name').textContent()).toBe('Ada');

    // Ada publishes on her first send; Grace's page subscribes on stream-added (useStreamMessages).
    await ada.testId('message').fill('hello');
    await ada.click('send');
    // Stream data is not kept for late subscribers: once Grace's page is subscribed, Ada's next message shows there.
    await grace.page.waitForSelector('[data-testid="peer"][data-uid="1"] [data-testid="messages"][data-subscribed="true"]', { state: 'attached', timeout: 10_000 });
    await ada.testId('message').fill('second');
    await ada.click('send');
    await grace.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="messages"] li')].some((li) => li.textContent === 'second'), null, { timeout: 10_000 });
    expect(await grace.page.$$eval('[data-testid="messages"] li', (items) => items.map((li) => li.textContent).filter((t) => t === 'second'))).toEqual(['second']);

    // Grace becomes audience: out of Ada's list, into the audience count.
    await grace.click('role');
    await grace.page.waitForSelector('[data-testid="role"][data-role="audience"]', { timeout: 10_000 });
    await ada.page.waitForFunction(() => document.querySelectorAll('[data-testid="peer"]').length === 0, null, { timeout: 10_000 });
    await ada.page.waitForFunction(() => document.querySelector('[data-testid="counts"]')?.textContent === '1 hosts, 1 audience', null, { timeout: 10_000 });
    expect(await ada.testId('left').textContent()).toContain('2 BECOME_AUDIENCE');
    expect([...ada.pageErrors, ...grace.pageErrors]).toEqual([]);
  });
});
