/**
 * What npm ships and what installing it does: the tarball's file list (no tests, no demo sources,
 * every file package.json points at, the docs the README links to), no install-time script (an
 * app installing channel-link gets no warning and runs no build), and the README's own links.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTarball, packTarball, ROOT } from '../support/tarball.js';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  browser: string;
  module: string;
  types: string;
  license: string;
};

let files: string[] = [];

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  files = (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
}, 60_000);

/** Every file path package.json points at. */
function pointedAt(): string[] {
  const targets = [pkg.browser, pkg.module, pkg.types, ...Object.values(pkg.bin)];
  for (const target of Object.values(pkg.exports)) targets.push(...(typeof target === 'string' ? [target] : Object.values(target)));
  return [...new Set(targets)].map((t) => path.posix.normalize(t));
}

/** Relative links and images of a markdown file, without anchors. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((href) => !/^[a-z]+:|^#/.test(href)).map((href) => href.split('#')[0]!);
}

describe('the tarball (npm pack --dry-run --json)', () => {
  it('holds no tests, no demo, no sources, no build or bench scripts', () => {
    expect(files.length).toBeGreaterThan(20);
    const outside = files.filter((f) => !/^(dist|docs)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
    expect(outside).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|demo|bench|scripts)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('holds every file package.json names: exports (all conditions and types), bin, browser, module, types', () => {
    const targets = pointedAt();
    expect(targets).toContain('dist/bundle/worker.js');
    expect(targets.filter((t) => !files.includes(t))).toEqual([]);
  });

  it('holds the LICENSE (MIT, as package.json says) and the docs and picture the README links to', () => {
    expect(pkg.license).toBe('MIT');
    expect(files).toContain('LICENSE');
    expect(readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    for (const doc of ['docs/architecture.md', 'docs/protocol.md', 'docs/behaviour.md', 'docs/demo.png']) expect(files).toContain(doc);
  });

  it('the README and docs link only to files of the package (nothing outside it, nothing missing)', () => {
    for (const doc of ['README.md', ...files.filter((f) => /^docs\/.*\.md$/.test(f))]) {
      const links = relativeLinks(readFileSync(path.join(ROOT, doc), 'utf8'));
      for (const link of links) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(doc), link));
        expect(target.startsWith('..'), `${doc} links outside the package: ${link}`).toBe(false);
        expect(files, `${doc} links to ${link}, which is not shipped`).toContain(target);
      }
    }
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).not.toContain('shared/DESIGN.md');
  });
});

describe('installing the tarball', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('package.json has no install-time script: no prepare, preinstall, install or postinstall', () => {
    for (const name of ['prepare', 'preinstall', 'install', 'postinstall']) expect(pkg.scripts, name).not.toHaveProperty(name);
    // The tarball is built by npm pack (prepack), not by whoever installs it.
    expect(pkg.scripts.prepack).toContain('npm run build');
  });

  it('into a fresh app: no install-script warning, no build, the package resolves and its CLI runs', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'channel-link-install-'));
    const tarball = await packTarball(dir);
    const { stdout, stderr } = await installTarball(path.join(dir, 'app'), tarball);
    expect(`${stdout}${stderr}`).not.toMatch(/install-scripts|install script|prepare|tsc/i);
    const installed = path.join(dir, 'app/node_modules/channel-link');
    // What the tarball holds, nothing built on the spot: no sources to build from.
    expect(existsSync(path.join(installed, 'dist/bundle/worker.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'src'))).toBe(false);
    expect(existsSync(path.join(installed, 'tsconfig.json'))).toBe(false);
    const version = await run(path.join(dir, 'app/node_modules/.bin/channel-link-server'), ['--version']);
    expect(version.stdout.trim()).toBe((JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    const imported = await run(process.execPath, ['--input-type=module', '-e', "import('channel-link').then((m) => console.log(typeof m.createClient)); import('channel-link/server').then((m) => console.log(typeof m.startServer))"], { cwd: path.join(dir, 'app') });
    expect(imported.stdout.split('\n').filter(Boolean).sort()).toEqual(['function', 'function']);
  }, 90_000);
});
