/**
 * The demo's seed timeline view in Chromium, against a server with its real defaults (10 s stream
 * and peer timeouts): UID 1 and UID 2 in one page, each a client with its own dedicated Worker.
 * "Play" must put T0-T10 on the two lanes in order; "Resume within grace" must leave UID 2's lane
 * empty after T2; "Freeze the page" must show that no one left. What is asserted is what the page
 * drew from the clients' observables (the SVG marks). The Play run saves the screenshot the README
 * shows (test-results/ always; docs/demo.png when missing or with UPDATE_DEMO_SCREENSHOT=1).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { demoServer, hasBrowser, openDemo, type DemoPage } from './support/harness.js';

const ROOT = new URL('../../', import.meta.url);
const RESULTS = fileURLToPath(new URL('test-results/', ROOT));
const DOCS_SHOT = fileURLToPath(new URL('docs/demo.png', ROOT));

interface Mark {
  lane: number;
  step: string;
  kind: string;
  event: string;
  at: number;
}

/** Counts layout shifts not caused by input (the page must not move while events stream in). */
function recordLayoutShifts(): void {
  const shifts: number[] = [];
  (window as unknown as { __shifts: number[] }).__shifts = shifts;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
      if (!entry.hadRecentInput) shifts.push(entry.value);
    }
  }).observe({ type: 'layout-shift', buffered: true });
}

async function openSeedView(httpUrl: string, width: number, height: number): Promise<DemoPage> {
  const demo = await openDemo(httpUrl, { view: 'seed' }, { viewport: { width, height }, initScript: recordLayoutShifts });
  await demo.page.waitForSelector('[data-testid="lanes"] svg');
  // Count from here on: the page has loaded; what matters is the run.
  await demo.page.evaluate(() => ((window as unknown as { __shifts: number[] }).__shifts.length = 0));
  return demo;
}

/** Every mark on the lanes, oldest first. */
function marks(demo: DemoPage): Promise<Mark[]> {
  return demo.page.evaluate(() =>
    [...document.querySelectorAll<SVGGElement>('[data-testid="mark"]')]
      .map((m) => ({ lane: Number(m.dataset.lane), step: m.dataset.step!, kind: m.dataset.kind!, event: m.dataset.event!, at: Number(m.dataset.at) }))
      .sort((a, b) => a.at - b.at),
  );
}

const lane = (all: Mark[], n: number) => all.filter((m) => m.lane === n).map((m) => `${m.step || '!'} ${m.event}`);
const firstAt = (all: Mark[], step: string) => all.find((m) => m.step === step)?.at ?? NaN;

async function runToEnd(demo: DemoPage, timeout: number): Promise<void> {
  await demo.page.waitForSelector('[data-testid="run-status"][data-state="running"]', { state: 'attached' });
  await demo.page.waitForSelector('[data-testid="run-status"]:not([data-state="running"])', { state: 'attached', timeout });
  expect(await demo.testId('run-status').getAttribute('data-state'), (await demo.testId('run-status').textContent()) ?? '').toBe('done');
}

const layoutShifts = (demo: DemoPage) => demo.page.evaluate(() => (window as unknown as { __shifts: number[] }).__shifts);
const stepStatus = (demo: DemoPage) =>
  demo.page.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLElement>('[data-testid="step"]')].map((s) => [s.dataset.step, s.dataset.status])));

/** The page has two dedicated workers, one per client (the SDK's bundle, as Vite emits it). */
const clientWorkers = (demo: DemoPage) => demo.page.workers().filter((w) => /\/assets\/browser-entry-[\w-]+\.js$/.test(w.url())).length;

describe.skipIf(!hasBrowser)('demo: the seed timeline view', () => {
  test('Play: T0-T10 on two lanes, in order, with the real 10 s timeouts; screenshots at 1920 and 420', async () => {
    const { httpUrl } = await demoServer(); // the server's defaults: 10 s stream and peer timeouts
    const demo = await openSeedView(httpUrl, 1920, 1080);
    expect(await demo.testId('stop').isDisabled()).toBe(true);

    await demo.click('play');
    await runToEnd(demo, 60_000);
    expect(clientWorkers(demo)).toBe(2);
    const all = await marks(demo);

    // Each lane holds its steps, in order, with exactly these events (no duplicate, none missing);
    // UID 1's failed retries while cut (their number depends on the backoff's jitter) are T5 marks.
    const retries = lane(all, 1).filter((m) => m.includes('connection-attempt-failed'));
    expect(retries.length).toBeGreaterThan(0);
    expect(new Set(retries)).toEqual(new Set(['T5 connection-attempt-failed NETWORK_ERROR']));
    // Back after 20 s, longer than the 10 s continuity window: the oldest ticks of the cut are lost,
    // and UID 2 is told once (DESIGN §9); the rest arrive once, in order. (UID 1 is told too when
    // the server still knew how far its stream had got.)
    expect(lane(all, 2).filter((m) => m.includes('stream-gap'))).toEqual([expect.stringMatching(/^T10 stream-gap 1 \(\d+ lost\)$/)]);
    for (const gap of lane(all, 1).filter((m) => m.includes('stream-gap'))) expect(gap).toMatch(/^T9 stream-gap 1 \(\d+ lost\)$/);
    expect(lane(all, 1).filter((m) => !m.includes('connection-attempt-failed') && !m.includes('stream-gap'))).toEqual([
      'T0 state DISCONNECTED->CONNECTING JOIN',
      'T0 state CONNECTING->CONNECTED JOINED',
      'T0 connected',
      'T1 peer-online 2',
      'T2 publish()',
      'T3 network cut for 20 s (simulateNetworkLoss)',
      'T4 state CONNECTED->CONNECTING TIMEOUT',
      'T5 retrying with backoff while CONNECTING',
      'T8 network back',
      'T9 state CONNECTING->CONNECTED RECONNECTED',
      'T9 connected',
    ]);
    expect(lane(all, 2).filter((m) => !m.includes('stream-gap'))).toEqual([
      'T1 state DISCONNECTED->CONNECTING JOIN',
      'T1 state CONNECTING->CONNECTED JOINED',
      'T1 connected',
      'T1 peer-online 1',
      'T2 stream-added 1',
      'T6 stream-removed 1 NO_DATA',
      'T7 peer-leave 1 SERVER_TIMEOUT',
      'T10 peer-online 1',
      'T10 stream-added 1',
    ]);
    // Across the lanes, the steps come in order. T9 and T10 are one moment: the server answers
    // UID 1's rejoin and tells UID 2 at once, so either page thread may hear first.
    const order = ['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8'].map((s) => firstAt(all, s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(firstAt(all, 'T9')).toBeGreaterThanOrEqual(firstAt(all, 'T8'));
    expect(firstAt(all, 'T10')).toBeGreaterThanOrEqual(firstAt(all, 'T8'));
    // The real timeouts: the server cannot time UID 1 out before 10 s of silence (a lower bound).
    expect(firstAt(all, 'T6') - firstAt(all, 'T3')).toBeGreaterThanOrEqual(9000);
    expect(Object.values(await stepStatus(demo))).toEqual(Array(11).fill('done'));
    // Live status: both connected again, UID 2 gets ticks, RTT measured.
    // (The cards redraw on the next frame after the last event: poll, do not read once.)
    await expect.poll(() => demo.testId('user-1-state').getAttribute('data-state')).toBe('CONNECTED');
    await expect.poll(() => demo.testId('user-2-sees').textContent()).toBe('online · streaming, subscribed');
    await expect.poll(() => demo.testId('user-2-data').textContent()).toMatch(/^tick \d+ · 0\.\d s ago$/);
    await expect.poll(() => demo.testId('user-1-rtt').textContent()).toMatch(/^\d+ ms$/);
    expect(await layoutShifts(demo)).toEqual([]);

    await mkdir(RESULTS, { recursive: true });
    const shot = `${RESULTS}demo-seed-1920.png`;
    await demo.page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeLessThan(600_000);
    if (!existsSync(DOCS_SHOT) || process.env.UPDATE_DEMO_SCREENSHOT === '1') await copyFile(shot, DOCS_SHOT);

    // Phone width: the lanes redraw to fit, nothing is wider than the screen.
    await demo.page.setViewportSize({ width: 420, height: 900 });
    await expect.poll(() => demo.page.evaluate(() => document.querySelector('[data-testid="lanes"] svg')!.getAttribute('width'))).not.toBe(null);
    await expect.poll(() => demo.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    await expect
      .poll(() => demo.page.evaluate(() => Number(document.querySelector('[data-testid="lanes"] svg')!.getAttribute('width'))))
      .toBeLessThanOrEqual(420);
    await demo.page.screenshot({ path: `${RESULTS}demo-seed-420.png`, fullPage: true });
    expect(demo.pageErrors).toEqual([]);
  }, 90_000);

  test('Resume within grace, started from the keyboard: UID 1 reconnects, UID 2 sees nothing', async () => {
    const { httpUrl } = await demoServer();
    const demo = await openSeedView(httpUrl, 420, 900);
    // Keyboard only: tab to the button, press Enter.
    for (let i = 0; i < 10 && (await demo.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))) !== 'play-grace'; i++) {
      await demo.page.keyboard.press('Tab');
    }
    await demo.page.keyboard.press('Enter');
    await runToEnd(demo, 40_000);
    const all = await marks(demo);

    expect(lane(all, 1).filter((m) => !m.startsWith('T5 connection-attempt-failed'))).toEqual([
      'T0 state DISCONNECTED->CONNECTING JOIN',
      'T0 state CONNECTING->CONNECTED JOINED',
      'T0 connected',
      'T1 peer-online 2',
      'T2 publish()',
      'T3 network cut for 6 s (simulateNetworkLoss)',
      'T4 state CONNECTED->CONNECTING TIMEOUT',
      'T5 retrying with backoff while CONNECTING',
      'T8 network back',
      'T9 state CONNECTING->CONNECTED RECONNECTED',
      'T9 connected',
    ]);
    // UID 2: nothing after T2, then the page's verdict once ticks flowed again.
    expect(lane(all, 2)).toEqual([
      'T1 state DISCONNECTED->CONNECTING JOIN',
      'T1 state CONNECTING->CONNECTED JOINED',
      'T1 connected',
      'T1 peer-online 1',
      'T2 stream-added 1',
      'T10 saw nothing: the session resumed',
    ]);
    expect(all.find((m) => m.lane === 2 && m.step === 'T10')!.kind).toBe('verdict');
    const steps = await stepStatus(demo);
    expect([steps.T6, steps.T7]).toEqual(['skipped', 'skipped']);
    await expect.poll(() => demo.testId('user-2-sees').textContent()).toBe('online · streaming, subscribed');
    // Focus returns to the button that started the run.
    expect(await demo.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('play-grace');
    expect(await demo.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    expect(await layoutShifts(demo)).toEqual([]);
    expect(demo.pageErrors).toEqual([]);
  }, 60_000);

  test('Freeze the page: both users frozen past the peer timeout, no one left; the ticks paused', async () => {
    const { httpUrl } = await demoServer();
    const demo = await openSeedView(httpUrl, 1280, 900);
    await demo.click('play-freeze');
    await runToEnd(demo, 50_000);
    const all = await marks(demo);
    const span = await demo.page.evaluate(() => {
      const s = document.querySelector<SVGGElement>('[data-testid="span"][data-kind="freeze"]')!;
      return { from: Number(s.dataset.from), to: Number(s.dataset.to) };
    });
    expect(span.to - span.from).toBeGreaterThanOrEqual(12_000);

    // No event on either lane since the freeze began: no state change, no leave, no rejoin.
    expect(all.filter((m) => m.kind === 'event' && m.at >= span.from)).toEqual([]);
    // Both verdicts are made in one moment: their marks may share a millisecond, so no order between them.
    expect(all.filter((m) => m.kind === 'verdict').map((m) => `${m.lane} ${m.event}`).sort()).toEqual(['1 still CONNECTED, 0 reconnects', '2 no one left']);
    expect(lane(all, 1).slice(0, 5)).toEqual([
      'T0 state DISCONNECTED->CONNECTING JOIN',
      'T0 state CONNECTING->CONNECTED JOINED',
      'T0 connected',
      'T1 peer-online 2',
      'T2 publish()',
    ]);
    // The data did pause: the ticks come from the page's timer, which was frozen too.
    const buckets = await demo.page.evaluate(() =>
      [...document.querySelectorAll<SVGRectElement>('[data-testid="ticks"] rect')].map((r) => ({
        lane: Number(r.parentElement!.dataset.lane),
        from: Number(r.dataset.from),
      })),
    );
    for (const n of [1, 2]) {
      const times = buckets.filter((b) => b.lane === n).map((b) => b.from);
      expect(times.filter((t) => t < span.from).length, `lane ${n}: ticks before the freeze`).toBeGreaterThan(3);
      expect(times.filter((t) => t > span.to).length, `lane ${n}: ticks after the freeze`).toBeGreaterThan(3);
      // 250 ms buckets: none starts inside the freeze (a margin of one bucket at each edge).
      expect(times.filter((t) => t >= span.from + 250 && t < span.to - 250), `lane ${n}: ticks during the freeze`).toEqual([]);
    }
    expect(await demo.testId('run-status').textContent()).toMatch(/no one left\. Only the ticks paused\.$/);
    await expect.poll(() => demo.testId('user-2-state').getAttribute('data-state')).toBe('CONNECTED');
    expect(demo.pageErrors).toEqual([]);
  }, 60_000);
});
