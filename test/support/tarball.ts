/**
 * The package as npm ships it: `npm pack` of the built repo (no lifecycle script: dist/ is built
 * already), and an app that installs the tarball with a plain `npm install`, as a user would.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `npm pack` into `dir`; resolves with the tarball's path. */
export async function packTarball(dir: string): Promise<string> {
  const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return path.join(dir, filename);
}

/** Creates `dir` as an app (package.json) and installs the tarball; resolves with npm's output. */
export async function installTarball(dir: string, tarball: string): Promise<{ stdout: string; stderr: string }> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  // --prefer-offline: the dependencies come from the npm cache that installing this repo filled.
  return run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
}
