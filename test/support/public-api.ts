// The package's public surface as the TypeScript compiler sees it: the names each entry point
// exports, the members of an exported interface, the members of a union of string literals. The
// documentation tests compare docs/api.md against it.
import ts from 'typescript';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The modules behind the package's entry points (`channel-link`, `channel-link/react`, `channel-link/server`, `channel-link/worker`). */
export const ENTRY_MODULES = ['src/index.browser.ts', 'src/index.node.ts', 'src/react.ts', 'server/index.ts', 'worker/index.ts'] as const;

let cached: { program: ts.Program; checker: ts.TypeChecker } | null = null;
function compiler() {
  if (!cached) {
    const program = ts.createProgram(
      ENTRY_MODULES.map((m) => ROOT + m),
      {
        noEmit: true,
        strict: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        skipLibCheck: true,
        types: ['node'],
      },
    );
    cached = { program, checker: program.getTypeChecker() };
  }
  return cached;
}

function moduleSymbol(module: string): ts.Symbol {
  const { program, checker } = compiler();
  const file = program.getSourceFile(ROOT + module);
  const symbol = file && checker.getSymbolAtLocation(file);
  if (!symbol) throw new Error(`no module ${module}`);
  return symbol;
}

/** Every name `module` exports, values and types alike. */
export function exportedNames(module: string): string[] {
  return compiler().checker.getExportsOfModule(moduleSymbol(module)).map((s) => s.name);
}

/** The type an entry module exports under `name`. */
function exportedType(module: string, name: string): ts.Type {
  const { checker } = compiler();
  let symbol = checker.getExportsOfModule(moduleSymbol(module)).find((s) => s.name === name);
  if (!symbol) throw new Error(`${module} exports no ${name}`);
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return checker.getDeclaredTypeOfSymbol(symbol);
}

/** The property names of an exported interface or object type. */
export function memberNames(module: string, name: string): string[] {
  return exportedType(module, name)
    .getProperties()
    .map((p) => p.name);
}

/** The property names of the type of one property of an exported interface (e.g. an event's payload). */
export function propertyMemberNames(module: string, name: string, property: string): string[] {
  const { checker } = compiler();
  const type = exportedType(module, name);
  const prop = type.getProperty(property);
  if (!prop) throw new Error(`${name} has no ${property}`);
  return checker
    .getTypeOfSymbol(prop)
    .getProperties()
    .map((p) => p.name);
}

/** The members of an exported union of string literals. */
export function literalMembers(module: string, name: string): string[] {
  const type = exportedType(module, name);
  const parts = type.isUnion() ? type.types : [type];
  return parts.map((t) => {
    if (!t.isStringLiteral()) throw new Error(`${name} is not a union of string literals`);
    return t.value;
  });
}
