#!/usr/bin/env node
// The channel-link-server command. Its code is the server's CLI in dist/, which the channel-link
// repository's `npm run build` puts into this package (see docs/packages.md); this small file is
// here from the start, so that npm links the command when it installs the repository.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('error SERVER_ERROR: channel-link-server is not built: run `npm run build` in the channel-link repository\n');
  process.exit(1);
}
await import(cli.href);
