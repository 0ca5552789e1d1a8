/**
 * The package's version, read from its package.json (found from this file, built or not): the
 * repository's (channel-link) or the server package's (channel-link-server; see docs/packages.md).
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  // dist/server/version.js and server/version.ts sit at different depths: walk up to our package.json.
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if ((pkg.name === 'channel-link' || pkg.name === 'channel-link-server') && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // no package.json here (or not ours): keep walking up
    }
    if (dir.pathname === '/') return (cached = 'unknown');
  }
}
