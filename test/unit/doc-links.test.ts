/**
 * The README and docs/ link only inside the repository: every relative link names a tracked file
 * (or folder), and its #anchor a heading of that file; no link leaves the repository.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
const trackedSet = new Set(tracked);
const isTrackedFolder = (folder: string): boolean => tracked.some((file) => file.startsWith(`${folder}/`));
const documents = tracked.filter((file) => file === 'README.md' || /^docs\/[^/]+\.md$/.test(file));

/** The text outside fenced code blocks and code spans: what a renderer turns into links. */
const prose = (text: string): string => text.replace(/```[\s\S]*?```|``[\s\S]+?``|`[^`]+`/g, '');

/** Every link target `[text](target)` or `![alt](target)` of a document, with its line. */
function links(text: string): { target: string; line: number }[] {
  return prose(text)
    .split('\n')
    .flatMap((line, i) => [...line.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({ target: m[1]!, line: i + 1 })));
}

/** The anchors a renderer gives the headings of a Markdown file (lower case, punctuation dropped, spaces as dashes, repeats numbered). */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of text.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

describe('links of the README and docs/', () => {
  it('finds the documents', () => {
    expect(documents).toContain('README.md');
    expect(documents).toContain('docs/api.md');
  });

  it('anchors headings as a renderer does', () => {
    expect([...headingAnchors('# API reference\n## `startServer` options\n## Resuming\n## Resuming\n```\n# not a heading\n```\n')]).toEqual([
      'api-reference',
      'startserver-options',
      'resuming',
      'resuming-1',
    ]);
  });

  for (const doc of documents) {
    it(`${doc}: every link resolves inside the repository`, () => {
      const broken: string[] = [];
      for (const { target, line } of links(readFileSync(path.join(ROOT, doc), 'utf8'))) {
        const where = `${doc}:${line}: ${target}`;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) {
          broken.push(`${where} leaves the repository`);
          continue;
        }
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), decodeURI(file))).replace(/\/$/, '');
        if (resolved.startsWith('..')) broken.push(`${where} points outside the repository`);
        else if (!trackedSet.has(resolved) && !isTrackedFolder(resolved)) broken.push(`${where}: no such file in the repository`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !headingAnchors(readFileSync(path.join(ROOT, resolved), 'utf8')).has(anchor)) {
          broken.push(`${where}: ${resolved} has no heading #${anchor}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
