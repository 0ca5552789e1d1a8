/**
 * Packaging for app builders: a Vite app with no config at all that has channel-link *installed*
 * (package.json + dist copied into its node_modules, as npm would) and does
 * `import { createClient } from 'channel-link'` gets a working dedicated Worker, both from the dev
 * server (where Vite's dependency optimizer pre-bundles the package) and from `vite build`.
 */
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createServer } from 'vite';
import { describe, expect, test } from 'vitest';
import { demoServer, hasBrowser, onCleanup, openDemo, type DemoPage } from './support/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const APP_HTML = `<!doctype html><html><body><p>app</p><script type="module" src="./main.js"></script></body></html>`;
const APP_JS = `import { createClient } from 'channel-link';
const client = createClient({ url: new URLSearchParams(location.search).get('url') });
client.connectionState$.subscribe((state) => (document.body.dataset.state = state));
client.join(null, 'packaging', 1).then(
  (uid) => (document.body.dataset.joined = String(uid)),
  (error) => (document.body.dataset.error = error.code + ': ' + error.message),
);
`;

/** An app folder whose node_modules holds an installed copy of channel-link and links to its dependencies. */
async function makeApp(): Promise<string> {
  const app = await mkdtemp(path.join(tmpdir(), 'channel-link-app-'));
  onCleanup(() => rm(app, { recursive: true, force: true }));
  const installed = path.join(app, 'node_modules/channel-link');
  await mkdir(installed, { recursive: true });
  await cp(path.join(ROOT, 'package.json'), path.join(installed, 'package.json'));
  await cp(path.join(ROOT, 'dist'), path.join(installed, 'dist'), { recursive: true });
  for (const name of await readdir(path.join(ROOT, 'node_modules'))) {
    if (name.startsWith('.') || name === 'channel-link') continue;
    await symlink(path.join(ROOT, 'node_modules', name), path.join(app, 'node_modules', name));
  }
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await writeFile(path.join(app, 'index.html'), APP_HTML);
  await writeFile(path.join(app, 'main.js'), APP_JS);
  return app;
}

async function expectWorkerConnection(page: DemoPage, workerUrl: RegExp): Promise<void> {
  await page.page.waitForSelector('body[data-joined="1"], body[data-error]', { state: 'attached', timeout: 15_000 });
  expect(await page.page.getAttribute('body', 'data-error')).toBeNull();
  expect(await page.page.getAttribute('body', 'data-state')).toBe('CONNECTED');
  expect(page.page.workers().map((w) => w.url())).toEqual([expect.stringMatching(workerUrl)]);
  expect(page.pageErrors).toEqual([]);
}

describe.skipIf(!hasBrowser)('an app that installs channel-link, with no bundler config', () => {
  test('vite dev server (dependency optimizer on)', async () => {
    const app = await makeApp();
    const { server } = await demoServer();
    const vite = await createServer({ root: app, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0, strictPort: false } });
    onCleanup(() => vite.close());
    await vite.listen();
    const page = await openDemo(vite.resolvedUrls!.local[0]!.replace(/\/$/, ''), { url: server.url }, { ready: null });
    await expectWorkerConnection(page, /\/node_modules\/channel-link\/dist\/worker\/browser-entry\.js\?worker_file&type=module$/);
    // The package really went through the optimizer (the case that breaks `new URL(..., import.meta.url)` in many setups).
    expect(Object.keys(vite.environments.client.depsOptimizer?.metadata.optimized ?? {})).toContain('channel-link');
  });

  test('vite build', async () => {
    const app = await makeApp();
    await build({ root: app, configFile: false, logLevel: 'silent' });
    const { httpUrl, server } = await demoServer({ staticDir: path.join(app, 'dist') });
    const page = await openDemo(httpUrl, { url: server.url }, { ready: null });
    await expectWorkerConnection(page, /\/assets\/browser-entry-[\w-]+\.js$/);
  });
});
