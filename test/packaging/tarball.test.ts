/**
 * What npm ships and what installing it does (see docs/packages.md). Two packages come from this
 * repository: the client, `channel-link` (its root), and the server, `channel-link-server` (the
 * packages/server workspace, filled by the build). Checked here: each tarball's file list (no
 * tests, no demo, no sources; the client without the server and without pictures), that every
 * runtime import is a declared dependency, no install-time script, the README's links; that an
 * app using only the client installs none of the server's dependencies and downloads a small
 * package; and that an app with both gets the server under both names, its command, and a client
 * that joins it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findListening } from '../support/listening.js';
import { installTarball, npm, pack, packServerTarball, packTarball, ROOT, SERVER_PACKAGE } from '../support/tarball.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);

interface PackageJson {
  name: string;
  version: string;
  scripts: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  bin?: Record<string, string>;
  browser?: string;
  module?: string;
  types?: string;
  license: string;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  workspaces?: string[];
}
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
const client = readJson(path.join(ROOT, 'package.json'));
const server = readJson(path.join(SERVER_PACKAGE, 'package.json'));

/** What only the server needs: an app that uses the client alone must not install any of it. */
const SERVER_ONLY = ['ioredis', 'pino', 'pino-pretty', 'prom-client', 'commander'];
/** A bound on the client's download (it was 798 kB with the server and the pictures); about a third
 * of it is source maps with their sources inlined, kept so that devtools show the TypeScript. */
// With the React entry and the frame checker in, it is about 261 kB.
const CLIENT_TARBALL_MAX_BYTES = 288 * 1024;
const IMAGE = /\.(png|jpe?g|gif|svg|webp)$/i;

let clientFiles: string[] = [];
let serverFiles: string[] = [];

beforeAll(async () => {
  const [c, s] = await Promise.all([pack('client', null), pack('server', null)]);
  clientFiles = c.files.map((f) => f.path);
  serverFiles = s.files.map((f) => f.path);
}, 60_000);

/** Every file path a package.json points at. */
function pointedAt(pkg: PackageJson): string[] {
  const targets = [pkg.browser, pkg.module, pkg.types, ...Object.values(pkg.bin ?? {})].filter((t): t is string => t !== undefined);
  for (const target of Object.values(pkg.exports)) targets.push(...(typeof target === 'string' ? [target] : Object.values(target)));
  return [...new Set(targets)].map((t) => path.posix.normalize(t));
}

/** Package names a shipped JS file imports at run time (bare specifiers; node: built-ins left out). */
function bareImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\b(?:from|import)\s*\(?\s*(['"])([^'"./][^'"]*)\1/g)]
    .map((m) => m[2]!)
    .filter((spec) => !spec.startsWith('node:'))
    .map((spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
}

/** Relative links and images of a markdown file, without anchors. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((href) => !/^[a-z]+:|^#/.test(href)).map((href) => href.split('#')[0]!);
}

describe('the client tarball, channel-link (npm pack --dry-run --json)', () => {
  it('holds the client only: no server, no tests, no demo, no sources, no build or bench scripts, no pictures', () => {
    expect(clientFiles.length).toBeGreaterThan(20);
    const outside = clientFiles.filter((f) => !/^dist\/(src|worker|bundle)\/|^dist\/server-reexport\.(js|d\.ts)$|^docs\/[^/]+\.md$/.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
    expect(outside).toEqual([]);
    expect(clientFiles.filter((f) => f.startsWith('dist/server/'))).toEqual([]);
    expect(clientFiles.filter((f) => IMAGE.test(f))).toEqual([]);
    expect(clientFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('holds every file package.json names: exports (all conditions and types), browser, module, types; no command', () => {
    const targets = pointedAt(client);
    expect(targets).toContain('dist/bundle/worker.js');
    expect(targets).toContain('dist/server-reexport.js');
    expect(targets.filter((t) => !clientFiles.includes(t))).toEqual([]);
    expect(client.bin).toBeUndefined(); // channel-link-server is the server package's command
  });

  it('depends on what the client runs only; the server package (same version) and React (18 or 19) are optional peers', () => {
    expect(Object.keys(client.dependencies).sort()).toEqual(['comlink', 'valibot', 'ws']);
    expect(client.peerDependencies).toEqual({ rxjs: expect.any(String), 'channel-link-server': client.version, react: '^18.0.0 || ^19.0.0' });
    expect(client.peerDependenciesMeta).toEqual({ 'channel-link-server': { optional: true }, react: { optional: true } });
    const declared = new Set([...Object.keys(client.dependencies), ...Object.keys(client.peerDependencies ?? {})]);
    // dist/bundle/worker.js is self-contained (its dependencies bundled in).
    const shipped = clientFiles.filter((f) => /^dist\/(src|worker)\/.*\.js$|^dist\/server-reexport\.js$/.test(f));
    const undeclared = shipped.flatMap((f) => bareImports(path.join(ROOT, f)).filter((name) => !declared.has(name)).map((name) => `${f}: ${name}`));
    expect(undeclared).toEqual([]);
  });

  it('holds the LICENSE (MIT, as package.json says) and the docs the README links to', () => {
    expect(client.license).toBe('MIT');
    expect(clientFiles).toContain('LICENSE');
    expect(readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    for (const doc of ['docs/architecture.md', 'docs/protocol.md', 'docs/behaviour.md', 'docs/packages.md']) expect(clientFiles).toContain(doc);
  });

  it('the README and docs link only to files of the package, or to pictures of the repository (not shipped)', () => {
    for (const doc of ['README.md', ...clientFiles.filter((f) => /^docs\/.*\.md$/.test(f))]) {
      const links = relativeLinks(readFileSync(path.join(ROOT, doc), 'utf8'));
      for (const link of links) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(doc), link));
        expect(target.startsWith('..'), `${doc} links outside the package: ${link}`).toBe(false);
        if (IMAGE.test(target)) expect(existsSync(path.join(ROOT, target)), `${doc} shows ${link}, which is not in the repository`).toBe(true);
        else expect(clientFiles, `${doc} links to ${link}, which is not shipped`).toContain(target);
      }
    }
  });
});

describe('the server tarball, channel-link-server (npm pack --workspace packages/server --dry-run --json)', () => {
  it('holds its command, the server build and the shared modules it imports: no client entry, no worker, no sources', () => {
    expect(serverFiles.filter((f) => !/^(bin|dist\/server|dist\/src)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f))).toEqual([]);
    expect(serverFiles).toContain('dist/server/cli.js');
    expect(serverFiles).toContain('dist/src/protocol.js');
    expect(serverFiles.filter((f) => /^dist\/src\/index\./.test(f))).toEqual([]);
    expect(serverFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(serverFiles).toContain('LICENSE');
  });

  it('holds every file the build put in dist/server/, not only code: the assets the server reads at run time too', () => {
    const built = readdirSync(path.join(ROOT, 'dist/server'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.posix.join('dist/server', path.relative(path.join(ROOT, 'dist/server'), path.join(entry.parentPath, entry.name)).split(path.sep).join('/')));
    expect(built).toContain('dist/server/cli.js');
    expect(built.filter((f) => !serverFiles.includes(f))).toEqual([]);
  });

  it('holds every file its package.json names (exports, types, bin) and runs only declared dependencies', () => {
    expect(server.name).toBe('channel-link-server');
    expect(server.bin).toEqual({ 'channel-link-server': './bin/channel-link-server.js' });
    expect(pointedAt(server).filter((t) => !serverFiles.includes(t))).toEqual([]);
    const declared = new Set(Object.keys(server.dependencies));
    for (const name of SERVER_ONLY) expect(declared, name).toContain(name);
    const shipped = serverFiles.filter((f) => f.endsWith('.js'));
    const undeclared = shipped.flatMap((f) => bareImports(path.join(SERVER_PACKAGE, f)).filter((name) => !declared.has(name)).map((name) => `${f}: ${name}`));
    expect(undeclared).toEqual([]);
  });

  it('is a workspace of the repository, released with the client: same version, same license', () => {
    expect(client.workspaces).toEqual(['packages/server']);
    expect(server.version).toBe(client.version);
    expect(server.license).toBe(client.license);
  });
});

describe('installing the tarballs', () => {
  let dir = '';
  let clientTarball = '';
  let serverTarball = '';
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'channel-link-install-'));
    [clientTarball, serverTarball] = await Promise.all([packTarball(dir), packServerTarball(dir)]);
  }, 60_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('package.json has no install-time script: no prepare, preinstall, install or postinstall', () => {
    for (const pkg of [client, server]) {
      for (const name of ['prepare', 'preinstall', 'install', 'postinstall']) expect(pkg.scripts, `${pkg.name} ${name}`).not.toHaveProperty(name);
    }
    // The tarballs are built by npm pack (prepack), not by whoever installs them.
    expect(client.scripts.prepack).toContain('npm run build');
  });

  it('the client alone, into a fresh app: a small download, no server dependency, no build; channel-link/server names what is missing', async () => {
    const app = path.join(dir, 'client-app');
    const { stdout, stderr } = await installTarball(app, clientTarball);
    expect(`${stdout}${stderr}`).not.toMatch(/install-scripts|install script|prepare|tsc/i);
    const size = statSync(clientTarball).size;
    const lock = JSON.parse(await readFile(path.join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const installed = Object.keys(lock.packages).filter((key) => key.startsWith('node_modules/'));
    console.log(`client-only install: tarball ${(size / 1024).toFixed(1)} kB (bound ${CLIENT_TARBALL_MAX_BYTES / 1024} kB), ${installed.length} packages: ${installed.map((k) => k.slice(13)).join(', ')}`);
    expect(size).toBeLessThan(CLIENT_TARBALL_MAX_BYTES);
    for (const name of [...SERVER_ONLY, 'channel-link-server']) expect(existsSync(path.join(app, 'node_modules', name)), name).toBe(false);
    expect(installed.filter((key) => SERVER_ONLY.some((name) => key.endsWith(`node_modules/${name}`)))).toEqual([]);
    // What the tarball holds, nothing built on the spot: no sources to build from.
    const pkgDir = path.join(app, 'node_modules/channel-link');
    expect(existsSync(path.join(pkgDir, 'dist/bundle/worker.js'))).toBe(true);
    expect(existsSync(path.join(pkgDir, 'src'))).toBe(false);
    expect(existsSync(path.join(pkgDir, 'tsconfig.json'))).toBe(false);
    const imported = await run(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('channel-link'); console.log(typeof m.createClient); await import('channel-link/server').catch((e) => console.log(e.code, e.message));"],
      { cwd: app },
    );
    const [createClient, missing] = imported.stdout.trim().split('\n');
    expect(createClient).toBe('function');
    expect(missing).toBe(
      'ERR_MODULE_NOT_FOUND channel-link/server needs the package channel-link-server, which is not installed: run `npm install channel-link-server` (the client alone does not include the server)',
    );
  }, 120_000);

  it('both, into a fresh app: the server under both names, its command, and a client of the installed package joins it', async () => {
    const app = path.join(dir, 'full-app');
    await installTarball(app, clientTarball, serverTarball);
    const imported = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const a = await import('channel-link/server'); const b = await import('channel-link-server'); console.log(typeof a.startServer, typeof a.createToken, a.startServer === b.startServer);",
      ],
      { cwd: app },
    );
    expect(imported.stdout.trim()).toBe('function function true');
    const bin = path.join(app, 'node_modules/.bin/channel-link-server');
    expect((await run(bin, ['--version'])).stdout.trim()).toBe(server.version);
    expect((await run(npm, ['exec', '--no', '--', 'channel-link-server', '--version'], { cwd: app })).stdout.trim()).toBe(server.version);

    const child = spawn(bin, ['--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => findListening(out) !== null || child.exitCode !== null, { timeoutMs: 15_000, message: 'the installed server to listen' });
    const listening = findListening(out);
    if (!listening) throw new Error(`the installed server did not start: ${out}`);
    const joined = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { createClient } from 'channel-link'; const c = createClient({ url: process.env.SERVER_URL }); const uid = await c.join(null, 'packaging', 7); console.log(uid, c.getConnectionState()); await c.destroy();",
      ],
      { cwd: app, env: { ...process.env, SERVER_URL: listening.url }, timeout: 30_000 },
    );
    expect(joined.stdout.trim()).toBe('7 CONNECTED');
  }, 180_000);
});
