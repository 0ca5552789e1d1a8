/**
 * The packages as npm ships them: `npm pack` of the built repo (no lifecycle script: dist/ is
 * built and the server package staged already) gives the client, `channel-link`, and the server,
 * `channel-link-server` (the packages/server workspace); an app installs tarballs with a plain
 * `npm install`, as a user would. See docs/packages.md.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The server package's folder (an npm workspace of the repository). */
export const SERVER_PACKAGE = path.join(ROOT, 'packages/server');
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** One entry of `npm pack --json`. */
export interface PackResult {
  filename: string;
  /** Bytes of the .tgz. */
  size: number;
  files: { path: string; size: number }[];
}

/** `npm pack --json` of the client (the repository's root) or of the server workspace; `dir` null: a dry run. */
export async function pack(which: 'client' | 'server', dir: string | null): Promise<PackResult> {
  const args = ['pack', '--ignore-scripts', '--json', ...(which === 'server' ? ['--workspace', 'packages/server'] : [])];
  args.push(...(dir === null ? ['--dry-run'] : ['--pack-destination', dir]));
  const { stdout } = await run(npm, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [result] = JSON.parse(stdout) as [PackResult];
  return result;
}

/** `npm pack` of the client into `dir`; resolves with the tarball's path. */
export async function packTarball(dir: string): Promise<string> {
  return path.join(dir, (await pack('client', dir)).filename);
}

/** `npm pack` of the server package into `dir`; resolves with the tarball's path. */
export async function packServerTarball(dir: string): Promise<string> {
  return path.join(dir, (await pack('server', dir)).filename);
}

/** Creates `dir` as an app (package.json) and installs the tarballs; resolves with npm's output. */
export async function installTarball(dir: string, ...tarballs: string[]): Promise<{ stdout: string; stderr: string }> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  // --prefer-offline: the dependencies come from the npm cache that installing this repo filled.
  return run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
}
