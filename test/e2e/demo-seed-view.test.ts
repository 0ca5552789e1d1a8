/**
 * The demo's seed timeline view in Chromium, against a server with its real defaults (10 s stream
 * and peer timeouts): UID 1 and UID 2 in one page, each a client with its own dedicated Worker.
 * "Play" must put the steps T0-T10 on the two lanes, each with its label, in the seed's order but
 * for T7 before T6, which the axis shows and explains; "Resume within grace" must leave UID 2's
 * lane empty after T4; "Freeze the page" must show that no one left. What is asserted is what the
 * page drew from the clients' observables (the SVG marks). The Play run saves screenshots to
 * test-results/, and docs/demo.png when missing or with UPDATE_DEMO_SCREENSHOT=1.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OPTIONS } from 'channel-link/server';
import { describe, expect, test } from 'vitest';
import { demoServer, hasBrowser, openDemo, type DemoPage } from './support/harness.js';

const ROOT = new URL('../../', import.meta.url);
const RESULTS = fileURLToPath(new URL('test-results/', ROOT));
const DOCS_SHOT = fileURLToPath(new URL('docs/demo.png', ROOT));
const PEER_TIMEOUT_S = DEFAULT_OPTIONS.peerTimeoutMs / 1000;

/** The step list as it must read, in the seed's order. */
const STEP_LABELS = [
  ['setup', 'UID 2 is in the channel'],
  ['T0', 'UID 1 calls join()'],
  ['T1', 'UID 1 is CONNECTING, then CONNECTED'],
  ['T2', 'UID 2 gets peer-online 1'],
  ['T3', 'UID 1 publishes'],
  ['T4', 'UID 2 gets stream-added 1'],
  ['T5', "UID 1's uplink deteriorates, then fails; its SDK retries"],
  ['T6', 'UID 2 gets stream-removed 1 NO_DATA'],
  ['T7', 'UID 1 goes CONNECTING'],
  ['T8', 'UID 2 gets peer-leave 1 SERVER_TIMEOUT'],
  ['T9', 'UID 1 is CONNECTED again'],
  ['T10', 'UID 2 gets peer-online 1 again'],
];

interface Mark {
  lane: number;
  step: string;
  kind: string;
  tone: string;
  event: string;
  at: number;
  /** What the mark is drawn as: circle, path (a cross), rect (a diamond). */
  shape: string;
  fill: string | null;
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
      .map((m) => {
        const shape = m.querySelector('circle, path, rect')!;
        return {
          lane: Number(m.dataset.lane),
          step: m.dataset.step!,
          kind: m.dataset.kind!,
          tone: m.dataset.tone!,
          event: m.dataset.event!,
          at: Number(m.dataset.at),
          shape: shape.tagName,
          fill: shape.getAttribute('fill'),
        };
      })
      .sort((a, b) => a.at - b.at),
  );
}

/** A lane as `step text`; a verdict without a step as `verdict text`, an event that fits no step as `! text`. */
const lane = (all: Mark[], n: number) => all.filter((m) => m.lane === n).map((m) => `${m.step || (m.kind === 'verdict' ? 'verdict' : '!')} ${m.event}`);
const firstAt = (all: Mark[], step: string) => all.find((m) => m.step === step)?.at ?? NaN;
const atOf = (all: Mark[], prefix: string) => all.find((m) => m.event.startsWith(prefix))?.at ?? NaN;

async function runToEnd(demo: DemoPage, timeout: number): Promise<void> {
  await demo.page.waitForSelector('[data-testid="run-status"][data-state="running"]', { state: 'attached' });
  await demo.page.waitForSelector('[data-testid="run-status"]:not([data-state="running"])', { state: 'attached', timeout });
  expect(await demo.testId('run-status').getAttribute('data-state'), (await demo.testId('run-status').textContent()) ?? '').toBe('done');
}

const layoutShifts = (demo: DemoPage) => demo.page.evaluate(() => (window as unknown as { __shifts: number[] }).__shifts);
const stepLabels = (demo: DemoPage) =>
  demo.page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid="step"]')].map((s) => [s.dataset.step, s.querySelector('[data-testid="step-title"]')!.textContent]),
  );
const stepNote = (demo: DemoPage, step: string) => demo.page.locator(`[data-testid="step"][data-step="${step}"] [data-testid="step-note"]`).textContent();
/** The figure on a Play button, in seconds (`~22 s`). */
const buttonSeconds = async (demo: DemoPage, scenario: string) => Number((await demo.testId(`duration-${scenario}`).textContent())!.match(/^~(\d+) s$/)![1]);
const clockSeconds = async (demo: DemoPage) => Number((await demo.testId('clock').textContent())!.replace(' s', ''));
/** The run's own colours: red only where an event fits no step. */
const RED = '#dc2626';
const stepStatus = (demo: DemoPage) =>
  demo.page.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLElement>('[data-testid="step"]')].map((s) => [s.dataset.step, s.dataset.status])));

/** The page has two dedicated workers, one per client (the SDK's bundle, as Vite emits it). */
const clientWorkers = (demo: DemoPage) => demo.page.workers().filter((w) => /\/assets\/browser-entry-[\w-]+\.js$/.test(w.url())).length;

describe.skipIf(!hasBrowser)('demo: the seed timeline view', () => {
  test('before Play: the intro shows whole at 1280x720 and 1280x800; the steps read T0-T10 in their own words', async () => {
    const { httpUrl } = await demoServer();
    for (const height of [720, 800]) {
      const demo = await openSeedView(httpUrl, 1280, height);
      const intro = await demo.page.evaluate(() => {
        const line = document.querySelector<HTMLElement>('[data-testid="run-status"]')!;
        const box = line.getBoundingClientRect();
        return { text: line.textContent, overflow: line.scrollHeight - line.clientHeight, bottom: box.bottom, right: box.right };
      });
      expect(intro.text).toBe(
        `Press Play: UID 2 is in the channel; UID 1 joins, publishes, then loses its network for 20 s, longer than the server's ${PEER_TIMEOUT_S} s peer timeout, and comes back.`,
      );
      expect(intro.overflow, `1280x${height}: the intro is clipped`).toBe(0);
      expect(intro.bottom).toBeLessThanOrEqual(height);
      expect(intro.right).toBeLessThanOrEqual(1280);
      expect(await stepLabels(demo)).toEqual(STEP_LABELS);
      // The list tells the story itself: its heading points nowhere else.
      expect(await demo.page.locator('#h-steps').textContent()).toBe('The seed, T0–T10 UID 1 joins, drops, comes back');
      expect(await demo.testId('server-timeouts').textContent()).toBe(
        `The server keeps its defaults: ${DEFAULT_OPTIONS.streamTimeoutMs / 1000} s stream and peer timeouts.`,
      );
      expect(demo.pageErrors).toEqual([]);
    }
  }, 30_000);

  test('Play: T0-T10 on two lanes with the real 10 s timeouts, T7 before T6 shown and explained; screenshots at 1920, 1440 and 420', async () => {
    const { httpUrl } = await demoServer(); // the server's defaults: 10 s stream and peer timeouts
    const demo = await openSeedView(httpUrl, 1920, 1080);
    expect(await demo.testId('stop').isDisabled()).toBe(true);

    await demo.click('play');
    await runToEnd(demo, 60_000);
    expect(clientWorkers(demo)).toBe(2);
    const all = await marks(demo);

    // Each lane holds its steps, in order, with exactly these events (no duplicate, none missing);
    // UID 1's failed retries while cut (their number depends on the backoff's jitter) are T5 marks.
    const retries = all.filter((m) => m.lane === 1 && m.event.startsWith('connection-attempt-failed'));
    expect(retries.length).toBeGreaterThan(0);
    expect(new Set(retries.map((m) => `${m.step} ${m.event}`))).toEqual(new Set(['T5 connection-attempt-failed NETWORK_ERROR']));
    // Back after 20 s, longer than the 10 s continuity window: the oldest ticks of the cut are lost,
    // and UID 2 is told once; the rest arrive once, in order. (UID 1 is told too when the server
    // still knew how far its stream had got.)
    expect(lane(all, 2).filter((m) => m.includes('stream-gap'))).toEqual([expect.stringMatching(/^T10 stream-gap 1 \(\d+ lost\)$/)]);
    for (const gap of lane(all, 1).filter((m) => m.includes('stream-gap'))) expect(gap).toMatch(/^T9 stream-gap 1 \(\d+ lost\)$/);
    expect(lane(all, 1).filter((m) => !m.includes('connection-attempt-failed') && !m.includes('stream-gap'))).toEqual([
      'T0 join()',
      'T1 state DISCONNECTED->CONNECTING JOIN',
      'T1 state CONNECTING->CONNECTED JOINED',
      'T1 connected',
      'T1 peer-online 2',
      'T3 publish()',
      'T5 link slowed: 600 ms each way (simulateLatency)',
      'T5 own quality 3 or worse',
      'T5 network cut for 20 s (simulateNetworkLoss)',
      'T7 state CONNECTED->CONNECTING TIMEOUT',
      'T5 retrying with backoff while CONNECTING',
      'T9 network back',
      'T9 state CONNECTING->CONNECTED RECONNECTED',
      'T9 connected',
    ]);
    expect(lane(all, 2).filter((m) => !m.includes('stream-gap'))).toEqual([
      'setup state DISCONNECTED->CONNECTING JOIN',
      'setup state CONNECTING->CONNECTED JOINED',
      'setup connected',
      'T2 peer-online 1',
      'T4 stream-added 1',
      "T5 sees UID 1's quality 3 or worse",
      'T6 stream-removed 1 NO_DATA',
      'T8 peer-leave 1 SERVER_TIMEOUT',
      'T10 peer-online 1',
      'T10 stream-added 1',
    ]);
    // Across the lanes, the steps come in the seed's order but one: UID 1 goes CONNECTING (T7)
    // before UID 2 gets stream-removed (T6). T9 and T10 are one moment: the server answers UID 1's
    // rejoin and tells UID 2 at once, so either page thread may hear first.
    const order = ['setup', 'T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T7', 'T6', 'T8', 'T9'].map((s) => firstAt(all, s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(firstAt(all, 'T10')).toBeGreaterThanOrEqual(firstAt(all, 'T9'));
    // The real timeouts: UID 1 notices within its 4 s heartbeat deadline; the server cannot time it
    // out before 10 s of silence (a lower bound).
    const cutAt = atOf(all, 'network cut');
    expect(firstAt(all, 'T7') - cutAt).toBeLessThan(5000);
    expect(firstAt(all, 'T6') - cutAt).toBeGreaterThanOrEqual(9000);
    expect(Object.values(await stepStatus(demo))).toEqual(Array(STEP_LABELS.length).fill('done'));

    // The order difference is drawn on the axis (a bracket from T7 to T6) and said in one line
    // under it; the step list says it too.
    const swap = await demo.page.evaluate(() =>
      [...document.querySelectorAll<SVGGElement>('[data-testid="order-note"]')].map((g) => ({
        early: g.dataset.early,
        late: g.dataset.late,
        text: g.querySelector('text')!.textContent,
      })),
    );
    const why = `UID 1 notices the dead link within 4 s, while the server waits ${DEFAULT_OPTIONS.streamTimeoutMs / 1000} s before stream-removed`;
    expect(swap).toEqual([{ early: 'T7', late: 'T6', text: `T7 before T6: ${why}` }]);
    expect(await demo.page.locator('[data-testid="step"][data-step="T7"] .detail').textContent()).toMatch(/; so here it comes before T6$/);
    expect(await demo.testId('run-status').textContent()).toMatch(/^Done in \d+\.\d s: T0–T10, T7 before T6 \(see the axis\)\. UID 1's own view of UID 2 never changed\.$/);

    // Colours: expected events are never red; failed attempts are crosses, not dots.
    for (const m of all.filter((m) => m.step)) {
      expect(m.tone, `${m.step} ${m.event}`).not.toBe('bad');
      expect(m.fill, `${m.step} ${m.event}`).not.toBe(RED);
    }
    for (const step of ['T6', 'T8']) expect(all.find((m) => m.step === step)!.tone).toBe('gone');
    for (const m of retries) expect([m.tone, m.shape]).toEqual(['failed', 'path']);
    // The button said how long the run would take, within a second.
    expect(Math.abs((await buttonSeconds(demo, 'seed')) - (await clockSeconds(demo)))).toBeLessThanOrEqual(1);

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

    // The picture in docs/: a common laptop width, the lanes and the whole step list.
    await demo.page.setViewportSize({ width: 1440, height: 1100 });
    await expect.poll(() => demo.page.evaluate(() => document.querySelector('[data-testid="lanes"] svg')!.getAttribute('width'))).toBe(
      String(await demo.page.evaluate(() => document.querySelector<HTMLElement>('[data-testid="lanes"]')!.clientWidth)),
    );
    const docsShot = `${RESULTS}demo-seed-1440.png`;
    await demo.page.screenshot({ path: docsShot });
    if (!existsSync(DOCS_SHOT) || process.env.UPDATE_DEMO_SCREENSHOT === '1') await copyFile(docsShot, DOCS_SHOT);

    // Phone width: the lanes redraw to fit, nothing is wider than the screen.
    await demo.page.setViewportSize({ width: 420, height: 900 });
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
      'T0 join()',
      'T1 state DISCONNECTED->CONNECTING JOIN',
      'T1 state CONNECTING->CONNECTED JOINED',
      'T1 connected',
      'T1 peer-online 2',
      'T3 publish()',
      'T5 network cut for 6 s (simulateNetworkLoss)',
      'T7 state CONNECTED->CONNECTING TIMEOUT',
      'T5 retrying with backoff while CONNECTING',
      'T9 network back',
      'T9 state CONNECTING->CONNECTED RECONNECTED',
      'T9 connected',
    ]);
    // UID 2: nothing after T4, then the page's verdict once ticks flowed again.
    expect(lane(all, 2)).toEqual([
      'setup state DISCONNECTED->CONNECTING JOIN',
      'setup state CONNECTING->CONNECTED JOINED',
      'setup connected',
      'T2 peer-online 1',
      'T4 stream-added 1',
      'verdict saw nothing: the session resumed',
    ]);
    const steps = await stepStatus(demo);
    expect([steps.T6, steps.T8, steps.T10]).toEqual(['skipped', 'skipped', 'skipped']);
    expect(await stepNote(demo, 'T6')).toBe(`not expected: UID 1 is back within the server's ${PEER_TIMEOUT_S} s peer timeout`);
    // T6 did not happen: no order difference to show.
    expect(await demo.page.locator('[data-testid="order-note"]').count()).toBe(0);
    expect(Math.abs((await buttonSeconds(demo, 'grace')) - (await clockSeconds(demo)))).toBeLessThanOrEqual(1);
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
    expect(lane(all, 1).slice(0, 6)).toEqual([
      'T0 join()',
      'T1 state DISCONNECTED->CONNECTING JOIN',
      'T1 state CONNECTING->CONNECTED JOINED',
      'T1 connected',
      'T1 peer-online 2',
      'T3 publish()',
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
    expect(await demo.testId('run-status').textContent()).toMatch(
      new RegExp(`past the server's ${PEER_TIMEOUT_S} s peer timeout, and no one left\\. Only the ticks paused\\.$`),
    );
    expect(Math.abs((await buttonSeconds(demo, 'freeze')) - (await clockSeconds(demo)))).toBeLessThanOrEqual(1);
    await expect.poll(() => demo.testId('user-2-state').getAttribute('data-state')).toBe('CONNECTED');
    expect(demo.pageErrors).toEqual([]);
  }, 60_000);
});
