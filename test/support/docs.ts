// The README's and docs/' examples and reference tables, read by the tests so the documentation
// cannot rot: each example is a fenced code block right after a `<!-- example: NAME -->` comment.
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const ROOT = new URL('../../', import.meta.url);
/** The documents that hold runnable examples, in reading order. */
export const EXAMPLE_DOCS = ['README.md', 'docs/api.md', 'docs/security.md', 'docs/backend.md'] as const;

export const readDoc = (doc: string): string => readFileSync(new URL(doc, ROOT), 'utf8');

const MARKER = /<!-- example: ([\w-]+) -->/g;

/** Every example name the documents mark, in reading order, with the document that holds it. */
export function docExamples(): { name: string; doc: string }[] {
  return EXAMPLE_DOCS.flatMap((doc) => [...readDoc(doc).matchAll(MARKER)].map((m) => ({ name: m[1]!, doc })));
}

export const docExampleNames = (): string[] => docExamples().map((e) => e.name);

/** The code of the example named `name`, as written in its document. */
export function docExample(name: string): { lang: string; code: string; doc: string } {
  const found = docExamples().filter((e) => e.name === name);
  if (found.length !== 1) throw new Error(`${found.length} examples are named "${name}" (in ${EXAMPLE_DOCS.join(', ')}); one expected`);
  const { doc } = found[0]!;
  const marker = `<!-- example: ${name} -->`;
  const text = readDoc(doc);
  const after = text.slice(text.indexOf(marker) + marker.length);
  const fence = /^```(\w+)\n([\s\S]*?)^```$/m.exec(after);
  if (!fence || !after.trimStart().startsWith('```')) throw new Error(`${doc}: no code block right after ${marker}`);
  return { lang: fence[1]!, code: fence[2]!, doc };
}

/** TypeScript example code as plain JavaScript (types stripped, type-only imports dropped). */
export function toJavaScript(code: string): string {
  return ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false },
  }).outputText;
}

/**
 * Type errors of `code` (an app's TypeScript, as a module at the repo root, so `channel-link`
 * resolves to this package's built types), under strict settings; [] when it compiles. `jsx`:
 * the code is TSX (React's automatic runtime).
 */
export function typeErrors(code: string, { jsx = false } = {}): string[] {
  const fileName = new URL(jsx ? 'doc-example.tsx' : 'doc-example.ts', ROOT).pathname;
  const options: ts.CompilerOptions = {
    ...(jsx ? { jsx: ts.JsxEmit.ReactJSX } : {}),
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, code, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName === fileName ? `line ${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** An example as the body of an async function (its free variables become the function's parameters). */
export function toFunctionBody(code: string): string {
  const body = toJavaScript(code).replace(/^export \{\};\s*$/m, '');
  if (/^\s*(import|export)\b/m.test(body)) throw new Error('the example still has an import or export: it cannot run as a function body');
  return body;
}

type AsyncFn = (...args: unknown[]) => Promise<unknown>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => AsyncFn;

/** Runs a documented example (TypeScript) with `scope`'s entries as its free variables. */
export function runExample(name: string, scope: Record<string, unknown>): Promise<unknown> {
  const body = toFunctionBody(docExample(name).code);
  return new AsyncFunction(...Object.keys(scope), body)(...Object.values(scope));
}

/** The cells of every row of the first table under the heading line `heading` (e.g. '## Error codes'). */
export function docTable(doc: string, heading: string): string[][] {
  const text = readDoc(doc);
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`${doc} has no heading "${heading}"`);
  const lines = text.slice(at + heading.length + 2).split('\n');
  const start = lines.findIndex((line) => line.startsWith('|') || /^#{1,6} /.test(line));
  if (start < 0 || !lines[start]!.startsWith('|')) throw new Error(`${doc}: no table right under "${heading}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    // Split on the pipes that are not escaped (`\|` inside a cell).
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()));
  }
  return rows;
}

/** The first cell of every row of that table, backticks removed. */
export const docTableKeys = (doc: string, heading: string): string[] => docTable(doc, heading).map(([key]) => key!.replace(/^`|`$/g, ''));
