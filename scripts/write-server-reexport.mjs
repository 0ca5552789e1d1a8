#!/usr/bin/env node
/**
 * Part of `npm run build`, after the server package is staged: writes `channel-link/server`
 * (dist/server-reexport.js and .d.ts), which re-exports the server package, channel-link-server,
 * for an app that installed both. The client package declares channel-link-server as an optional
 * peer dependency, so an app that only uses the client installs none of the server's
 * dependencies; importing `channel-link/server` there fails with an error that names the package
 * to install. The names are read from the staged server package, so the two never drift apart.
 * See docs/packages.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_INDEX = path.join(ROOT, 'packages/server/dist/server/index.js');

const names = Object.keys(await import(pathToFileURL(SERVER_INDEX).href)).sort();
if (!names.includes('startServer')) throw new Error(`${SERVER_INDEX} exports no startServer: is the server package staged?`);
if (names.includes('default')) throw new Error('the server package has a default export: re-export it here too');

const js = `// channel-link/server: the server package, channel-link-server, re-exported (see docs/packages.md).
// Written by scripts/write-server-reexport.mjs from that package's exports.
let server;
try {
  server = await import('channel-link-server');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes("'channel-link-server'")) {
    const missing = new Error(
      "channel-link/server needs the package channel-link-server, which is not installed: run \`npm install channel-link-server\` (the client alone does not include the server)",
      { cause: err },
    );
    missing.code = 'ERR_MODULE_NOT_FOUND';
    throw missing;
  }
  throw err;
}
export const { ${names.join(', ')} } = server;
`;
const dts = `// channel-link/server: the server package, channel-link-server, re-exported (see docs/packages.md).
export * from 'channel-link-server';
`;
writeFileSync(path.join(ROOT, 'dist/server-reexport.js'), js);
writeFileSync(path.join(ROOT, 'dist/server-reexport.d.ts'), dts);
console.log(`wrote channel-link/server: ${names.length} names re-exported from channel-link-server`);
