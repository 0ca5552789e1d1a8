// Shared setup of the browser tests: one Chromium per test file, a server on port 0 serving the
// built demo, fault proxies, demo pages (each in its own browser context, so its own renderer
// process and main thread), and cleanup of everything a test started.
import { afterAll, afterEach, inject } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type ChannelLinkServer, type ServerOptions } from 'channel-link/server';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { CHROMIUM_ARGS } from './chromium.js';

export const chromiumPath = inject('chromiumPath');
export const demoDir = inject('demoDir');
/** An app with the packed tarball installed (packaging tests). */
export const appDir = inject('appDir');
/** False when global setup found no Chromium (outside CI): the suites are skipped. */
export const hasBrowser = chromiumPath !== '' && demoDir !== '';

/** The seed timeline at about a tenth of its real pace (as in the integration tests). */
export const FAST_SERVER: ServerOptions = { peerTimeoutMs: 1500, streamTimeoutMs: 800 };
/** Client tuning, as demo query parameters. */
export const FAST_CLIENT = {
  heartbeatIntervalMs: '100',
  connectionTimeoutMs: '500',
  reconnectInitialDelayMs: '100',
  reconnectMaxDelayMs: '300',
};

const cleanups: (() => Promise<unknown> | unknown)[] = [];
export const onCleanup = (fn: () => Promise<unknown> | unknown) => cleanups.push(fn);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let browser: Promise<Browser> | undefined;
const getBrowser = () => (browser ??= chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS }));
afterAll(async () => {
  await (await browser)?.close();
});

export interface DemoServer {
  server: ChannelLinkServer;
  /** http://127.0.0.1:PORT */
  httpUrl: string;
}

export async function demoServer(options: ServerOptions = {}): Promise<DemoServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', staticDir: demoDir, logLevel: 'silent', ...options });
  onCleanup(() => server.close());
  return { server, httpUrl: server.url.replace(/^ws:/, 'http:') };
}

export async function proxyTo(server: { port: number }): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port } });
  onCleanup(() => proxy.close());
  return proxy;
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /** Runs in the page before any of its scripts (page.addInitScript). */
  initScript?: () => void;
  /**
   * Waits for this selector after loading; the demo's default says its view's code, loaded on
   * demand (demo/main.ts), has run. null for a page that is not the demo.
   */
  ready?: string | null;
}

/**
 * Opens the demo's two-tab mode in a fresh browser context; `params` become the query string
 * (`view: 'seed'` opens the seed timeline view instead).
 */
export async function openDemo(httpUrl: string, params: Record<string, string> = {}, options: OpenOptions = {}): Promise<DemoPage> {
  const context = await (await getBrowser()).newContext({ viewport: options.viewport ?? { width: 1180, height: 900 } });
  onCleanup(() => context.close());
  const page = await context.newPage();
  if (options.initScript) await page.addInitScript(options.initScript);
  const demo = new DemoPage(page);
  const query = new URLSearchParams({ view: 'tabs', ...params }).toString();
  await page.goto(`${httpUrl}/?${query}`);
  const ready = options.ready === undefined ? 'body[data-ready]' : options.ready;
  if (ready) await page.waitForSelector(ready, { state: 'attached' });
  return demo;
}

const POLL = { polling: 25 } as const;

/** What the demo's app code rendered from the SDK's observables, read from its DOM. */
export class DemoPage {
  /** Uncaught exceptions on the page (must stay empty). */
  readonly pageErrors: string[] = [];
  /** Console output of the page and its worker, for diagnosis. */
  readonly console: string[] = [];

  constructor(readonly page: Page) {
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    page.on('console', (message) => this.console.push(`${message.type()}: ${message.text()}`));
  }

  testId(id: string) {
    return this.page.getByTestId(id);
  }

  async click(testid: string): Promise<void> {
    await this.testId(testid).click();
  }

  state(): Promise<string | null> {
    return this.testId('state-badge').getAttribute('data-state');
  }

  async waitForState(state: string, timeout = 10_000): Promise<void> {
    await this.page.waitForSelector(`[data-testid="state-badge"][data-state="${state}"]`, { timeout });
  }

  /** Every event of `events$` the app logged, oldest first, as `data-event` strings ('peer-leave 1 QUIT'). */
  async events(...prefixes: string[]): Promise<string[]> {
    const all = await this.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-testid="event-log"] > [data-testid="event"]')].map((e) => e.dataset.event!),
    );
    return prefixes.length === 0 ? all : all.filter((e) => prefixes.some((p) => e === p || e.startsWith(`${p} `)));
  }

  /** Waits until `event` (an exact `data-event` string) was logged `count` times. */
  async waitForEvent(event: string, { count = 1, timeout = 10_000 } = {}): Promise<void> {
    await this.page.waitForFunction(
      ([text, n]) =>
        [...document.querySelectorAll<HTMLElement>('[data-testid="event-log"] > [data-testid="event"]')].filter((e) => e.dataset.event === text)
          .length >= n,
      [event, count] as const,
      { ...POLL, timeout },
    );
  }

  /** The state timeline (connectionStateChange$), oldest first, as 'PREV->CUR REASON'. */
  timeline(): Promise<string[]> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-testid="timeline-entry"]')].map(
        (e) => `${e.dataset.prev}->${e.dataset.cur} ${e.dataset.reason}`,
      ),
    );
  }

  async waitForTimeline(entry: string, timeout = 10_000): Promise<void> {
    const [states, reason] = entry.split(' ');
    const [prev, cur] = states!.split('->');
    await this.page.waitForSelector(
      `[data-testid="timeline-entry"][data-prev="${prev}"][data-cur="${cur}"][data-reason="${reason}"]`,
      { timeout, state: 'attached' },
    );
  }

  /** The peer list (peers$): uid -> stream ids. */
  peers(): Promise<Record<string, string[]>> {
    return this.page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>('[data-testid="peer"]')].map((peer) => [
          peer.dataset.uid!,
          [...peer.querySelectorAll<HTMLElement>('[data-testid="remote-stream"]')].map((s) => s.dataset.stream!),
        ]),
      ),
    );
  }

  /** Waits until the peer list shows exactly these peers and streams. */
  async waitForPeers(expected: Record<string, string[]>, timeout = 10_000): Promise<void> {
    const want = Object.entries(expected)
      .map(([uid, streams]) => [uid, [...streams].sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b));
    await this.page.waitForFunction(
      (wanted) => {
        const seen = [...document.querySelectorAll<HTMLElement>('[data-testid="peer"]')]
          .map((peer) => [
            peer.dataset.uid!,
            [...peer.querySelectorAll<HTMLElement>('[data-testid="remote-stream"]')].map((s) => s.dataset.stream!).sort(),
          ])
          .sort(([a], [b]) => String(a).localeCompare(String(b)));
        return JSON.stringify(seen) === wanted;
      },
      JSON.stringify(want),
      { ...POLL, timeout },
    );
  }

  /** Publishes the page's tick stream and returns its id. */
  async publish(): Promise<string> {
    await this.click('publish');
    await this.page.waitForSelector('[data-testid="local-stream"][data-stream]', { ...POLL, state: 'attached' });
    return (await this.testId('local-stream').getAttribute('data-stream'))!;
  }

  /** Notes the demo wrote itself (not SDK events), oldest first. */
  notes(testid = 'note'): Promise<string[]> {
    return this.page.evaluate(
      (id) => [...document.querySelectorAll<HTMLElement>(`[data-testid="event-log"] > [data-testid="${id}"]`)].map((e) => e.dataset.event!),
      testid,
    );
  }
}
