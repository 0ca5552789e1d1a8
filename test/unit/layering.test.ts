/** The import rules of docs/architecture.md, checked on the source. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const SHARED = ['types', 'errors', 'boundary', 'protocol', 'heartbeat-frame', 'outcomes', 'limits', 'wire-words', 'keys', 'quality', 'client-frames'];

/** Every relative import (static, type-only, dynamic, or `new URL(...)`) of the files in `dir`. */
function importsOf(dir: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  for (const file of readdirSync(new URL(`${dir}/`, ROOT))) {
    if (!file.endsWith('.ts')) continue;
    const text = readFileSync(new URL(`${dir}/${file}`, ROOT), 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\(\s*|new URL\(\s*)'(\.{1,2}\/[^']+)'/g)) out.push({ file: `${dir}/${file}`, target: m[1]! });
  }
  return out;
}

const folderOf = (target: string) => (target.startsWith('../') ? target.split('/')[1] : 'same');
const moduleOf = (target: string) => target.split('/').pop()!.replace(/\.js$/, '');

describe('layering', () => {
  it('src/ reaches worker/ only for the worker entries and the inline loaders, and never server/', () => {
    const toWorker = importsOf('src').filter((i) => folderOf(i.target) === 'worker');
    expect(toWorker.map((i) => `${i.file} -> ${moduleOf(i.target)}`).sort()).toEqual([
      'src/host-browser.ts -> browser-entry',
      'src/host-browser.ts -> browser-inline',
      'src/host-node.ts -> node-entry',
      'src/host-node.ts -> node-inline',
    ]);
    expect(importsOf('src').filter((i) => folderOf(i.target) === 'server')).toEqual([]);
  });

  it('the boundary module imports neither side', () => {
    const own = importsOf('src').filter((i) => i.file === 'src/boundary.ts');
    expect(own.map((i) => moduleOf(i.target)).sort()).toEqual(['errors', 'types']);
  });

  it('worker/ and server/ import only the shared modules of src/, and never each other', () => {
    for (const side of ['worker', 'server']) {
      for (const i of importsOf(side)) {
        const folder = folderOf(i.target);
        expect(folder, `${i.file} imports ${i.target}`).not.toBe(side === 'worker' ? 'server' : 'worker');
        if (folder === 'src') expect([...SHARED, 'validation'], `${i.file} imports ${i.target}`).toContain(moduleOf(i.target));
      }
    }
  });
});
