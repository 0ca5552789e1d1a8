// The README's examples and reference tables, read by the tests so the README cannot rot: each
// example is a fenced code block right after a `<!-- example: NAME -->` comment.
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const ROOT = new URL('../../', import.meta.url);
export const readme = (): string => readFileSync(new URL('README.md', ROOT), 'utf8');

/** The code of the example named `name`, as written in the README. */
export function readmeExample(name: string): { lang: string; code: string } {
  const marker = `<!-- example: ${name} -->`;
  const text = readme();
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`README has no example "${name}"`);
  const fence = /^```(\w+)\n([\s\S]*?)^```$/m.exec(text.slice(at + marker.length));
  if (!fence || !text.slice(at + marker.length).trimStart().startsWith('```')) throw new Error(`no code block right after ${marker}`);
  return { lang: fence[1]!, code: fence[2]! };
}

/** Every example name the README marks. */
export const readmeExampleNames = (): string[] => [...readme().matchAll(/<!-- example: ([\w-]+) -->/g)].map((m) => m[1]!);

/** TypeScript example code as plain JavaScript (types stripped, type-only imports dropped). */
export function toJavaScript(code: string): string {
  return ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false },
  }).outputText;
}

/**
 * Type errors of `code` (an app's TypeScript, as a module at the repo root, so `channel-link`
 * resolves to this package's built types), under strict settings; [] when it compiles.
 */
export function typeErrors(code: string): string[] {
  const fileName = new URL('readme-example.ts', ROOT).pathname;
  const options: ts.CompilerOptions = {
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

/** Runs a README example (TypeScript) with `scope`'s entries as its free variables. */
export function runExample(name: string, scope: Record<string, unknown>): Promise<unknown> {
  const body = toFunctionBody(readmeExample(name).code);
  return new AsyncFunction(...Object.keys(scope), body)(...Object.values(scope));
}

/** The first cell of every row of the first table under the heading `heading` (e.g. '### Errors'), backticks removed. */
export function readmeTableKeys(heading: string): string[] {
  const text = readme();
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README has no heading "${heading}"`);
  const lines = text.slice(at + heading.length + 2).split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|')[1]!.trim().replace(/^`|`$/g, ''));
  }
  return rows;
}

