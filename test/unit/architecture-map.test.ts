/**
 * docs/architecture.md names every module of `src/`, `worker/` and `server/` (Module map): by its
 * file name where that is unique, by its path from the repository root where two folders share
 * the name. A module added without its line fails here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
const modules = execFileSync('git', ['ls-files', '-z', 'src', 'worker', 'server'], { cwd: ROOT, encoding: 'utf8' })
  .split('\0')
  .filter((file) => /\.(ts|lua)$/.test(file) && !file.endsWith('.d.ts'));

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `name` as a word of the page: not the tail of a longer name (`env.ts` is not in `node-env.ts`). */
const named = (name: string): boolean => new RegExp(`(?<![\\w./-])${escape(name)}(?![\\w-])`).test(doc);

describe('docs/architecture.md, Module map', () => {
  it('names every module of src/, worker/ and server/', () => {
    const counts = new Map<string, number>();
    for (const file of modules) counts.set(path.basename(file), (counts.get(path.basename(file)) ?? 0) + 1);
    const missing = modules.filter((file) => !named(file) && (counts.get(path.basename(file))! > 1 || !named(path.basename(file))));
    expect(missing).toEqual([]);
  });

  it('tells a name from the tail of a longer one', () => {
    expect(named('env.ts')).toBe(true);
    expect(named('v.ts')).toBe(false);
    expect(named('-env.ts')).toBe(false);
  });
});
