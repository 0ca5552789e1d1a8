// Global setup of the e2e project: finds Chromium and builds the demo page once, with Vite and no
// config of its own, into a temporary folder the tests serve (so a running `npm start` that serves
// demo/dist is not disturbed); packs the package once and installs the tarball into one app that
// the packaging tests build with each bundler (and the React example, with react and react-dom). Without Chromium the suite is skipped, loudly; with
// CI=true it fails.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { installTarball, packTarball } from '../support/tarball.js';
import { findChromium } from './support/chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** '' when the suite is skipped. */
    chromiumPath: string;
    /** The built demo (index.html and assets); '' when skipped. */
    demoDir: string;
    /** An app folder with the packed tarball installed by npm (node_modules/channel-link); '' when skipped. */
    appDir: string;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEV = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
const REACT = ['react', 'react-dom'].map((name) => `${name}@${DEV[name]}`);

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const chromium = findChromium();
  if ('missing' in chromium) {
    if (process.env.CI === 'true') throw new Error(`e2e: ${chromium.missing}. CI=true: the browser tests must run, failing.`);
    process.stderr.write(`\n\x1b[33m[e2e] SKIPPING the browser tests: ${chromium.missing}.\x1b[0m\n\n`);
    project.provide('chromiumPath', '');
    project.provide('demoDir', '');
    project.provide('appDir', '');
    return;
  }
  if (!existsSync(path.join(ROOT, 'dist/src/index.browser.js'))) {
    throw new Error('e2e: dist/ is missing: build the library first (`npm run build`; `npm test` does it)');
  }
  const demoDir = await mkdtemp(path.join(tmpdir(), 'channel-link-demo-'));
  const packDir = await mkdtemp(path.join(tmpdir(), 'channel-link-pack-'));
  const appDir = path.join(packDir, 'app');
  await Promise.all([
    build({ root: path.join(ROOT, 'demo'), logLevel: 'warn', build: { outDir: demoDir, emptyOutDir: true } }),
    // React beside it, for the React example (test/e2e/react-example.test.ts): the versions this repository tests with.
    packTarball(packDir).then((tarball) => installTarball(appDir, tarball, ...REACT)),
  ]);
  project.provide('chromiumPath', chromium.path);
  project.provide('demoDir', demoDir);
  project.provide('appDir', appDir);
  return async () => {
    await rm(demoDir, { recursive: true, force: true });
    await rm(packDir, { recursive: true, force: true });
  };
}
