/**
 * Packaging for app builders: one app has the packed tarball installed by `npm install` (global
 * setup); each test writes an app entry that does `import { createClient } from 'channel-link'`,
 * builds it with one bundler and no bundler configuration, serves the result and runs it in
 * Chromium: it must join through a real dedicated Worker. Bundlers that do not bundle workers
 * (esbuild, Rollup) use the README's recipe: the pre-bundled `channel-link/worker.js` and
 * `worker: new Worker(...)`; without it they fail with a WORKER_FAILED that says where to look.
 */
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Parcel } from '@parcel/core';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import * as esbuild from 'esbuild';
import { rollup, type RollupLog } from 'rollup';
import { build as viteBuild, createServer } from 'vite';
import webpack from 'webpack';
import { describe, expect, test } from 'vitest';
import { appDir, demoServer, hasBrowser, onCleanup, openDemo, type DemoPage } from './support/harness.js';

const require = createRequire(import.meta.url);

/** The app's code: the default worker, or the recipe for bundlers that leave workers alone. */
const appJs = (recipe: boolean) => `import { createClient } from 'channel-link';
const url = new URLSearchParams(location.search).get('url');
const client = createClient(${recipe ? "{ url, worker: new Worker(new URL('./channel-link-worker.js', import.meta.url)) }" : '{ url }'});
client.connectionState$.subscribe((state) => (document.body.dataset.state = state));
client.join(null, 'packaging', 1).then(
  (uid) => (document.body.dataset.joined = String(uid)),
  (error) => (document.body.dataset.error = error.code + ': ' + error.message),
);
`;
const html = (script: string) => `<!doctype html><html><body><p>app</p>${script}</body></html>`;
const MODULE_PAGE = html('<script type="module" src="./main.js"></script>');

/** A fresh folder inside the app (so it resolves the installed node_modules), with index.html and main.js. */
async function appCase(name: string, recipe = false): Promise<string> {
  const dir = await mkdtemp(path.join(appDir, `${name}-`));
  await writeFile(path.join(dir, 'index.html'), MODULE_PAGE);
  await writeFile(path.join(dir, 'main.js'), appJs(recipe));
  return dir;
}

/** The recipe's second half: ship the installed package's self-contained worker next to the bundle. */
async function copyWorker(dir: string, outDir: string): Promise<string> {
  const worker = createRequire(path.join(dir, 'main.js')).resolve('channel-link/worker.js');
  await copyFile(worker, path.join(outDir, 'channel-link-worker.js'));
  return worker;
}

async function openBuilt(staticDir: string): Promise<DemoPage> {
  const { httpUrl, server } = await demoServer({ staticDir });
  return openDemo(httpUrl, { url: server.url }, { ready: null });
}

async function expectWorkerConnection(page: DemoPage, workerUrl: RegExp): Promise<void> {
  await page.page.waitForSelector('body[data-joined="1"], body[data-error]', { state: 'attached', timeout: 15_000 });
  expect(await page.page.getAttribute('body', 'data-error')).toBeNull();
  expect(await page.page.getAttribute('body', 'data-state')).toBe('CONNECTED');
  expect(page.page.workers().map((w) => w.url())).toEqual([expect.stringMatching(workerUrl)]);
  expect(page.pageErrors).toEqual([]);
}

function runWebpack(dir: string, mode: 'production' | 'development'): Promise<webpack.Stats> {
  // What `webpack --mode X` does with no config file, but with the paths of this folder.
  const compiler = webpack({ mode, context: dir, entry: './main.js', output: { path: path.join(dir, 'dist') }, infrastructureLogging: { level: 'error' } });
  return new Promise((resolve, reject) =>
    compiler.run((err, stats) => {
      compiler.close(() => (err || !stats ? reject(err ?? new Error('no stats')) : resolve(stats)));
    }),
  );
}

describe.skipIf(!hasBrowser)('an app that installs the channel-link tarball, with no bundler config', () => {
  test('the installed package is the tarball, with the self-contained worker', () => {
    const installed = createRequire(path.join(appDir, 'package.json'));
    expect(path.relative(appDir, installed.resolve('channel-link/package.json'))).toBe(path.join('node_modules', 'channel-link', 'package.json'));
    expect(installed.resolve('channel-link/worker.js')).toMatch(/node_modules\/channel-link\/dist\/bundle\/worker\.js$/);
  });

  test('vite dev server (dependency optimizer on)', async () => {
    const dir = await appCase('vite-dev');
    const { server } = await demoServer();
    const vite = await createServer({ root: dir, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0, strictPort: false } });
    onCleanup(() => vite.close());
    await vite.listen();
    const page = await openDemo(vite.resolvedUrls!.local[0]!.replace(/\/$/, ''), { url: server.url }, { ready: null });
    await expectWorkerConnection(page, /\/node_modules\/channel-link\/dist\/worker\/browser-entry\.js\?worker_file&type=module$/);
    // The package really went through the optimizer (the case that breaks `new URL(..., import.meta.url)` in many setups).
    expect(Object.keys(vite.environments.client.depsOptimizer?.metadata.optimized ?? {})).toContain('channel-link');
  });

  test('vite build', async () => {
    const dir = await appCase('vite-build');
    await viteBuild({ root: dir, configFile: false, logLevel: 'silent' });
    await expectWorkerConnection(await openBuilt(path.join(dir, 'dist')), /\/assets\/browser-entry-[\w-]+\.js$/);
  });

  test.each(['production', 'development'] as const)('webpack 5, mode %s', async (mode) => {
    const dir = await appCase(`webpack-${mode}`);
    const stats = await runWebpack(dir, mode);
    const info = stats.toJson({ all: false, errors: true, warnings: true });
    expect(info.errors ?? []).toEqual([]);
    expect(info.warnings ?? []).toEqual([]);
    // webpack's runtime finds its chunks from document.currentScript: a classic script tag.
    await writeFile(path.join(dir, 'dist', 'index.html'), html('<script src="./main.js"></script>'));
    await expectWorkerConnection(await openBuilt(path.join(dir, 'dist')), /\/[\w.-]+\.js$/);
  });

  test.each(['production', 'development'] as const)('parcel 2, mode %s (no packageExports: it resolves the package through its browser field)', async (mode) => {
    const dir = await appCase(`parcel-${mode}`);
    const bundler = new Parcel({
      entries: path.join(dir, 'index.html'),
      defaultConfig: require.resolve('@parcel/config-default'),
      mode,
      shouldDisableCache: true,
      shouldAutoInstall: false,
      logLevel: 'warn',
      defaultTargetOptions: { distDir: path.join(dir, 'dist'), publicUrl: './' },
    });
    const { bundleGraph } = await bundler.run();
    expect(bundleGraph.getBundles().some((b) => b.env.context === 'web-worker')).toBe(true);
    await expectWorkerConnection(await openBuilt(path.join(dir, 'dist')), /\/browser-entry\.[\w]+\.js$/);
  });

  test('esbuild with the recipe (channel-link/worker.js and worker: new Worker(...)): no warning, joins', async () => {
    const dir = await appCase('esbuild', true);
    const outDir = path.join(dir, 'dist');
    const result = await esbuild.build({ entryPoints: [path.join(dir, 'main.js')], bundle: true, format: 'esm', minify: true, outdir: outDir, absWorkingDir: dir, logLevel: 'silent' });
    expect(result.warnings).toEqual([]);
    await copyWorker(dir, outDir);
    await writeFile(path.join(outDir, 'index.html'), MODULE_PAGE);
    await expectWorkerConnection(await openBuilt(outDir), /\/channel-link-worker\.js$/);
  });

  test('esbuild without the recipe: WORKER_FAILED names the URL it could not load and points to the README', async () => {
    const dir = await appCase('esbuild-plain');
    const outDir = path.join(dir, 'dist');
    const result = await esbuild.build({ entryPoints: [path.join(dir, 'main.js')], bundle: true, format: 'esm', outdir: outDir, absWorkingDir: dir, logLevel: 'silent' });
    expect(result.warnings).toEqual([]); // it builds quietly, which is why the runtime error must be clear
    await writeFile(path.join(outDir, 'index.html'), MODULE_PAGE);
    const { httpUrl, server } = await demoServer({ staticDir: outDir });
    const page = await openDemo(httpUrl, { url: server.url }, { ready: null });
    await page.page.waitForSelector('body[data-error]', { state: 'attached', timeout: 15_000 });
    expect(await page.page.getAttribute('body', 'data-error')).toBe(
      `WORKER_FAILED: engine worker failed to load: ${httpUrl}/worker/browser-entry.js; ` +
        'see "Bundlers" in the channel-link README (esbuild, Rollup: pass worker: new Worker(...) of channel-link/worker.js)',
    );
    expect(await page.page.getAttribute('body', 'data-state')).toBe('DISCONNECTED');
  });

  test('rollup with @rollup/plugin-node-resolve and the recipe: no warning, joins', async () => {
    const dir = await appCase('rollup', true);
    const outDir = path.join(dir, 'dist');
    const warnings: RollupLog[] = [];
    const bundle = await rollup({ input: path.join(dir, 'main.js'), plugins: [nodeResolve({ browser: true })], onwarn: (w) => void warnings.push(w) });
    await bundle.write({ dir: outDir, format: 'es' });
    await bundle.close();
    expect(warnings.map((w) => w.message)).toEqual([]);
    await copyWorker(dir, outDir);
    await writeFile(path.join(outDir, 'index.html'), MODULE_PAGE);
    await expectWorkerConnection(await openBuilt(outDir), /\/channel-link-worker\.js$/);
  });
});
