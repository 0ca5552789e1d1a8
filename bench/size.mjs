#!/usr/bin/env node
/**
 * Bundle size of channel-link for browsers against its budgets: builds the published browser entry
 * (dist/src/index.browser.js, what `import { createClient } from 'channel-link'` resolves to) with Vite
 * (rolldown) as a minified ES library, comlink bundled in, and prints minified and gzipped sizes of:
 *   - the main-thread code: the entry chunk and every chunk it imports statically, twice: what
 *     channel-link adds to an app that uses rxjs already (rxjs is a peer dependency, shared with the
 *     app: the budget applies to this), and the same with rxjs bundled in too (an app without rxjs);
 *   - the worker bundle that `new Worker(new URL('../worker/browser-entry.js', import.meta.url))` emits;
 *   - lazy chunks (only loaded with `worker: 'inline'`), for information.
 * Budgets (gzip): main thread with rxjs shared 8.5 KB, worker bundle 15 KB. A part over its budget is
 * said so, with what costs the bytes, and the exit code is 1. `--verbose` prints the costs always.
 * Run after `npm run build` (npm run size does).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, version as viteVersion } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = `${ROOT}dist/src/index.browser.js`;
const WORKER_ENTRY = `${ROOT}dist/worker/browser-entry.js`;
const BUDGETS = { main: 8.5 * 1024, worker: 15 * 1024 };

if (!existsSync(ENTRY)) {
  console.error(`missing ${ENTRY}: run \`npm run build\` first (npm run size does)`);
  process.exit(1);
}

/** Module id -> ids of the modules that import it statically, from the last bundle() call. */
const importers = new Map();
const importGraph = {
  name: 'size:import-graph',
  generateBundle() {
    for (const id of this.getModuleIds()) importers.set(id, this.getModuleInfo(id)?.importers ?? []);
  },
};

/** A minified ES library build of `entry`, written nowhere; returns rolldown's output items. */
async function bundle(entry, name, external = []) {
  importers.clear();
  const result = await build({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    plugins: [importGraph],
    build: {
      write: false,
      sourcemap: false,
      minify: true,
      lib: { entry, formats: ['es'], fileName: name },
      // Lib mode keeps whitespace and annotations by default; measure what an app build ships.
      rolldownOptions: { external, output: { minify: true, comments: false } },
    },
    // The worker is a nested build: measure it minified the same way.
    worker: { rolldownOptions: { output: { minify: true, comments: false } } },
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

function printCosts(title, chunks, entryId, graph = importers) {
  const { total, perPackage, perModule } = costs(chunks);
  console.log(`\n  what costs the bytes in ${title} (share of tree-shaken source before minification):`);
  for (const [pkg, n] of perPackage) console.log(`    ${pad(pkg, 28)} ${padL(kb(n), 10)}  ${padL(((100 * n) / total).toFixed(1), 5)} %`);
  console.log('    largest modules:');
  for (const [mod, n] of perModule.slice(0, Number(process.env.SIZE_TOP ?? 8))) console.log(`      ${pad(mod, 58)} ${padL(kb(n), 10)}`);
  console.log('    why each package is there (shortest static import chain from the entry, importer -> imported):');
  for (const [pkg] of perPackage.filter(([pkg]) => !pkg.startsWith('channel-link'))) {
    const ids = [...graph.keys()].filter((id) => packageOf(moduleName(id)) === pkg);
    const chain = shortestChain(ids, entryId, graph);
    if (chain) console.log(`      ${pad(pkg, 10)} ${chain.map(moduleName).join(' -> ')}`);
  }
}

/** Breadth-first search from any of `ids` up the importers to `entry`: the chain, or null. */
function shortestChain(ids, entry, graph) {
  const from = new Map(ids.map((id) => [id, null]));
  const queue = [...ids];
  while (queue.length > 0) {
    const id = queue.shift();
    if (id === entry) {
      const chain = [];
      for (let at = id; at !== null; at = from.get(at)) chain.push(at);
      return chain;
    }
    for (const parent of graph.get(id) ?? []) {
      if (!from.has(parent)) {
        from.set(parent, id);
        queue.push(parent);
      }
    }
  }
  return null;
}

/** The main-thread chunks (the entry and its static imports, transitively) and the lazy ones of a build. */
function split(output) {
  const chunks = output.filter((o) => o.type === 'chunk');
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const eager = [];
  const visit = (chunk) => {
    if (!chunk || eager.includes(chunk)) return;
    eager.push(chunk);
    for (const dep of chunk.imports) visit(byName.get(dep));
  };
  visit(chunks.find((c) => c.isEntry));
  return { eager, lazy: chunks.filter((c) => !eager.includes(c)) };
}

const withRxjs = split(await bundle(ENTRY, 'channel-link'));
const importersWithRxjs = new Map(importers);
const output = await bundle(ENTRY, 'channel-link', ['rxjs']);
const { eager, lazy } = split(output);
const workerAsset = output.find((o) => o.type === 'asset' && /browser-entry/.test(o.fileName));
if (!workerAsset) throw new Error('the build emitted no worker bundle: is the new Worker(new URL(...)) pattern intact?');

// Each file is fetched (and compressed) on its own: sizes of a part are sums over its files.
const rows = [
  { name: 'main thread, rxjs shared (peer dep.)', codes: eager.map((c) => c.code), budget: BUDGETS.main, files: eager.map((c) => c.fileName) },
  { name: 'main thread with rxjs bundled too', codes: withRxjs.eager.map((c) => c.code), files: withRxjs.eager.map((c) => c.fileName) },
  { name: 'worker bundle', codes: [String(workerAsset.source)], budget: BUDGETS.worker, files: [workerAsset.fileName] },
  ...lazy.map((c) => ({ name: `lazy chunk (worker: 'inline' only)`, codes: [c.code], files: [c.fileName] })),
];
const sum = (codes, measure) => codes.reduce((total, code) => total + measure(code), 0);

console.log(`channel-link browser bundle (vite ${viteVersion}, minified, gzip level 9, 1 KB = 1024 bytes)\n`);
console.log(`  ${pad('part', 38)} ${padL('minified', 10)} ${padL('gzip', 10)} ${padL('budget', 10)}  verdict`);
for (const row of rows) {
  row.gzip = sum(row.codes, gzip);
  const budget = row.budget === undefined ? '' : kb(row.budget);
  const verdict = row.budget === undefined ? '' : row.gzip <= row.budget ? 'within budget' : `OVER BUDGET by ${kb(row.gzip - row.budget)}`;
  console.log(`  ${pad(row.name, 38)} ${padL(kb(sum(row.codes, bytes)), 10)} ${padL(kb(row.gzip), 10)} ${padL(budget, 10)}  ${verdict}`);
  console.log(`    ${row.files.join(', ')}`);
}

const over = rows.filter((row) => row.budget !== undefined && row.gzip > row.budget);
const mainOver = over.includes(rows[0]);
const workerOver = over.includes(rows[2]);
console.log(`\n  rxjs is a peer dependency: an app that uses observables ships it once, for itself and channel-link;
  the main-thread budget (${kb(BUDGETS.main)}) applies to what channel-link adds to such an app. An app without
  rxjs of its own also ships the rxjs parts channel-link uses (the second line).`);
if (mainOver || process.argv.includes('--verbose')) {
  printCosts('the main thread (rxjs shared)', eager, ENTRY);
  printCosts('the main thread with rxjs bundled', withRxjs.eager, ENTRY, importersWithRxjs);
}
if (workerOver || process.argv.includes('--verbose')) {
  // The worker asset comes from a nested build without module info: build its entry alone for the breakdown.
  const workerChunks = (await bundle(WORKER_ENTRY, 'worker')).filter((o) => o.type === 'chunk');
  printCosts('the worker', workerChunks, WORKER_ENTRY);
}
if (over.length > 0) {
  console.log(`\nOVER BUDGET: ${over.map((row) => `${row.name} is ${kb(row.gzip)} gzip, budget ${kb(row.budget)}`).join('; ')}.`);
  process.exitCode = 1;
} else {
  console.log(`\nWithin budget: main thread (rxjs shared) ${kb(rows[0].gzip)} of ${kb(BUDGETS.main)}, worker bundle ${kb(rows[2].gzip)} of ${kb(BUDGETS.worker)} (gzip).`);
}
