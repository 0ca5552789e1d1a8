#!/usr/bin/env node
/**
 * Bundle size of channel-link for browsers: builds the published browser entry (dist/src/index.browser.js,
 * what `import { createClient } from 'channel-link'` resolves to) with Vite (rolldown) as a minified ES
 * library, rxjs and comlink bundled in, and prints minified and gzipped sizes of:
 *   - the main-thread code: the entry chunk and every chunk it imports statically;
 *   - the worker bundle that `new Worker(new URL('../worker/browser-entry.js', import.meta.url))` emits;
 *   - lazy chunks (only loaded with `worker: 'inline'`), for information.
 * When a target is missed it prints what costs the bytes. Run after `npm run build` (npm run size does).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = `${ROOT}dist/src/index.browser.js`;
const WORKER_ENTRY = `${ROOT}dist/worker/browser-entry.js`;
const TARGETS = { main: 10 * 1024, worker: 20 * 1024 };

if (!existsSync(ENTRY)) {
  console.error(`missing ${ENTRY}: run \`npm run build\` first (npm run size does)`);
  process.exit(1);
}

/** A minified ES library build of `entry`, written nowhere; returns rolldown's output items. */
async function bundle(entry, name) {
  const result = await build({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      sourcemap: false,
      minify: true,
      lib: { entry, formats: ['es'], fileName: name },
      // Lib mode keeps whitespace and annotations by default; measure what an app build ships.
      rolldownOptions: { output: { minify: true, comments: false } },
    },
  });
  return (Array.isArray(result) ? result[0] : result).output;
}

const bytes = (text) => Buffer.byteLength(text);
const gzip = (text) => gzipSync(text, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
const pad = (s, n) => String(s).padEnd(n);
const padL = (s, n) => String(s).padStart(n);

/** Groups module ids by what they belong to: a package, or a folder of channel-link. */
function moduleName(id) {
  const nm = id.lastIndexOf('/node_modules/');
  if (nm >= 0) return id.slice(nm + 14).replace(/\/dist\/(esm5?\/)?/, '/');
  return id.startsWith(ROOT) ? id.slice(ROOT.length) : id;
}
function packageOf(mod) {
  const parts = mod.split('/');
  if (parts[0] === 'dist') return `channel-link ${parts[1]}/`;
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Rendered (tree-shaken, not yet minified) bytes per package and per module, largest first. */
function costs(chunks) {
  const perModule = new Map();
  for (const chunk of chunks) {
    for (const [id, info] of Object.entries(chunk.modules)) {
      const mod = moduleName(id);
      if (info.renderedLength > 0) perModule.set(mod, (perModule.get(mod) ?? 0) + info.renderedLength);
    }
  }
  const perPackage = new Map();
  for (const [mod, n] of perModule) {
    const pkg = packageOf(mod);
    perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + n);
  }
  const total = [...perModule.values()].reduce((a, b) => a + b, 0);
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return { total, perPackage: sorted(perPackage), perModule: sorted(perModule) };
}

function printCosts(title, chunks) {
  const { total, perPackage, perModule } = costs(chunks);
  console.log(`\n  what costs the bytes in ${title} (share of tree-shaken source before minification):`);
  for (const [pkg, n] of perPackage) console.log(`    ${pad(pkg, 28)} ${padL(kb(n), 10)}  ${padL(((100 * n) / total).toFixed(1), 5)} %`);
  console.log('    largest modules:');
  for (const [mod, n] of perModule.slice(0, 8)) console.log(`      ${pad(mod, 58)} ${padL(kb(n), 10)}`);
}

const output = await bundle(ENTRY, 'channel-link');
const chunks = output.filter((o) => o.type === 'chunk');
const entry = chunks.find((c) => c.isEntry);
const byName = new Map(chunks.map((c) => [c.fileName, c]));

// Main thread: the entry and its static imports, transitively.
const eager = [];
const visit = (chunk) => {
  if (!chunk || eager.includes(chunk)) return;
  eager.push(chunk);
  for (const dep of chunk.imports) visit(byName.get(dep));
};
visit(entry);
const lazy = chunks.filter((c) => !eager.includes(c));
const workerAsset = output.find((o) => o.type === 'asset' && /browser-entry/.test(o.fileName));
if (!workerAsset) throw new Error('the build emitted no worker bundle: is the new Worker(new URL(...)) pattern intact?');

const mainCode = eager.map((c) => c.code).join('\n');
const workerCode = String(workerAsset.source);
const rows = [
  { name: 'main thread (entry + static imports)', code: mainCode, target: TARGETS.main, files: eager.map((c) => c.fileName) },
  { name: 'worker bundle', code: workerCode, target: TARGETS.worker, files: [workerAsset.fileName] },
  ...lazy.map((c) => ({ name: `lazy chunk (worker: 'inline' only)`, code: c.code, files: [c.fileName] })),
];

console.log(`channel-link browser bundle (vite ${(await import('vite')).version}, minified, gzip level 9)\n`);
console.log(`  ${pad('part', 38)} ${padL('minified', 10)} ${padL('gzip', 10)}  target`);
let missed = false;
for (const row of rows) {
  const g = gzip(row.code);
  const verdict = row.target === undefined ? '' : g <= row.target ? `<= ${kb(row.target)} ok` : `> ${kb(row.target)} MISSED`;
  if (row.target !== undefined && g > row.target) missed = true;
  console.log(`  ${pad(row.name, 38)} ${padL(kb(bytes(row.code)), 10)} ${padL(kb(g), 10)}  ${verdict}`);
  console.log(`    ${row.files.join(', ')}`);
}

const mainMissed = gzip(mainCode) > TARGETS.main;
const workerMissed = gzip(workerCode) > TARGETS.worker;
if (mainMissed || process.argv.includes('--verbose')) printCosts('the main thread', eager);
if (workerMissed || process.argv.includes('--verbose')) {
  // The worker asset comes from a nested build without module info: build its entry alone for the breakdown.
  const workerChunks = (await bundle(WORKER_ENTRY, 'worker')).filter((o) => o.type === 'chunk');
  printCosts('the worker', workerChunks);
}
if (missed) {
  console.log('\nA size target was missed (see above).');
  process.exitCode = process.argv.includes('--strict') ? 1 : 0;
}
