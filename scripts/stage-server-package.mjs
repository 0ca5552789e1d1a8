#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc and the asset copy: fills the server package
 * (packages/server, published as channel-link-server) with what it runs: every file of dist/server/
 * (code, declarations, maps, and the assets the server reads at run time, such as the Redis
 * store's Lua scripts), plus the shared dist/src/ modules it imports (followed from file to file,
 * types included), copied to packages/server/dist/ under the same paths; and the repository's
 * LICENSE. The client package never ships dist/server/. See docs/packages.md.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const PACKAGE = path.join(ROOT, 'packages/server');
const OUT = path.join(PACKAGE, 'dist');

if (!existsSync(path.join(DIST, 'server/index.js'))) {
  console.error(`missing ${path.join(DIST, 'server/index.js')}: run tsc first (npm run build does)`);
  process.exit(1);
}

/** Every file under `dir`, recursively. */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Relative module specifiers of emitted JS or a declaration file: static, side-effect and dynamic imports, re-exports, import types. */
function relativeImports(file) {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\b(?:from|import)\s*\(?\s*(['"])(\.\.?\/[^'"]+)\1/g)].map((m) => path.resolve(path.dirname(file), m[2]));
}

// The whole server build ships, whatever the file; its code's imports bring the src/ modules it needs.
const serverFiles = filesUnder(path.join(DIST, 'server'));
const queue = serverFiles.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'));
const needed = new Set(serverFiles);
while (queue.length > 0) {
  const file = queue.shift();
  const targets = relativeImports(file).flatMap((target) => (file.endsWith('.d.ts') ? [target.replace(/\.js$/, '.d.ts')] : [target]));
  for (const target of targets) {
    if (needed.has(target)) continue;
    if (path.relative(DIST, target).startsWith('worker')) throw new Error(`${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}: the server never imports worker/`);
    if (!existsSync(target)) throw new Error(`${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}, which the build did not emit`);
    needed.add(target);
    queue.push(target);
  }
}

rmSync(OUT, { recursive: true, force: true });
let copied = 0;
for (const file of needed) {
  // Each src/ module's source map and declaration map travel with it (dist/server/'s are listed already).
  for (const source of [file, `${file}.map`]) {
    if (source !== file && needed.has(source)) continue;
    if (!existsSync(source)) continue;
    const target = path.join(OUT, path.relative(DIST, source));
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(source, target);
    copied++;
  }
}
copyFileSync(path.join(ROOT, 'LICENSE'), path.join(PACKAGE, 'LICENSE'));
console.log(`staged channel-link-server: ${copied} files in ${path.relative(ROOT, OUT)}/`);
