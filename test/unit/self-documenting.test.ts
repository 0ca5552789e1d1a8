/**
 * The repository documents itself: no tracked file cites a document outside it, a numbered
 * section sign, an issue or an "item n" (a newcomer has none of them); each cites the docs/
 * section that says it instead (e.g. "docs/behaviour.md, Resuming"). The patterns are built from
 * pieces so that this file does not match them itself.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const SECTION = String.fromCharCode(0xa7);
const CONTRACT = ['DES', 'IGN'].join('');
const ISSUE = ['iss', 'ue'].join('');
const ITEM = ['it', 'em'].join('');

const CITATIONS: { what: string; pattern: RegExp }[] = [
  { what: 'the design document', pattern: new RegExp(`\\b${CONTRACT}\\b`) },
  { what: 'a numbered section', pattern: new RegExp(`${SECTION}\\s*\\d`) },
  { what: 'an issue number', pattern: new RegExp(`\\b${ISSUE}s?\\s+#?\\d`, 'i') },
  { what: 'an item number', pattern: new RegExp(`\\b${ITEM}s?\\s+#?\\d`, 'i') },
];

/** Files that are not prose or code: the lockfile lists other packages' text. */
const EXEMPT = new Set(['package-lock.json']);

/** A file with a NUL byte in its first 8 KiB is binary (images and the like). */
const isBinary = (bytes: Buffer): boolean => bytes.subarray(0, 8192).includes(0);

/** `file:line: text` for every line of a tracked text file that cites something outside the repository. */
function citations(): string[] {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  const found: string[] = [];
  for (const file of files) {
    if (EXEMPT.has(file)) continue;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(ROOT, file));
    } catch {
      continue; // tracked but deleted in the work tree: nothing to read
    }
    if (isBinary(bytes)) continue;
    bytes
      .toString('utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const { what, pattern } of CITATIONS) if (pattern.test(line)) found.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
      });
  }
  return found;
}

describe('the repository documents itself', () => {
  it('the patterns catch each kind of citation, and not ordinary words', () => {
    const cites = (line: string) => CITATIONS.some(({ pattern }) => pattern.test(line));
    for (const line of [`see ${CONTRACT}.md`, `${CONTRACT} ${SECTION}4`, `(${SECTION}4.13)`, `${ISSUE.toUpperCase()} 9, ${ITEM} 3`, `${ISSUE}s #12`, `${ITEM}s 1-6`]) expect(cites(line), line).toBe(true);
    for (const line of ['see docs/behaviour.md, Resuming', 'design of the store', 'each item of a batch', 'an issue with 2 nodes']) expect(cites(line), line).toBe(false);
  });

  it('no tracked file cites the design document, a numbered section, an issue or an item', () => {
    expect(citations()).toEqual([]);
  });
});
