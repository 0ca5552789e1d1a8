#!/usr/bin/env node
/**
 * Part of `npm run build`: bundles the browser worker (dist/worker/browser-entry.js, as tsc built
 * it) with its dependencies (comlink, valibot) into one self-contained, minified classic script,
 * dist/bundle/worker.js, exported as `channel-link/worker.js`. Apps whose bundler does not bundle
 * workers (esbuild, Rollup) serve that file and pass `worker: new Worker(url)` to createClient.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = `${ROOT}dist/worker/browser-entry.js`;

if (!existsSync(ENTRY)) {
  console.error(`missing ${ENTRY}: run tsc first (npm run build does)`);
  process.exit(1);
}

await build({
  root: ROOT,
  configFile: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/bundle',
    emptyOutDir: true,
    copyPublicDir: false,
    target: 'es2022',
    sourcemap: false,
    minify: true,
    // An IIFE runs as a classic worker script and as a module worker alike.
    lib: { entry: ENTRY, formats: ['iife'], name: 'channelLinkWorker', fileName: () => 'worker.js' },
    rolldownOptions: { output: { comments: false } },
  },
});
