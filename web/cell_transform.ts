/**
 * Runs notebook cells in a browser page with the semantics of a notebook: a cell's
 * TypeScript is stripped of its types (sucrase), parsed (acorn) and rewritten so that its
 * top-level declarations land in one scope that later cells see, its library imports are
 * looked up by path instead of fetched, top-level `await` works, and its last expression
 * is the cell's value. The rewrite keeps every line where it was, so an error names the
 * line of the cell the reader wrote.
 *
 * Each cell also reports the names it defines and the free names it uses, which is enough
 * to run only the earlier cells a cell needs ({@link cellsNeeded}) instead of a chapter.
 *
 * @module
 */
import { transform } from "sucrase";
import { parse } from "acorn";

/** A cell turned into JavaScript, with what it defines and uses. */
export interface TransformedCell {
  /** The rewritten body: same lines as the source; see {@link compileCell}. */
  readonly code: string;
  /** Names the cell declares at top level (imports included), in order of appearance. */
  readonly defines: readonly string[];
  /** Free names the cell reads or writes that it does not declare at top level. */
  readonly uses: readonly string[];
  /** Free names the cell assigns to (written back to the shared scope when it ends). */
  readonly assigns: readonly string[];
  /** Library paths the cell imports ("lib/mod.ts"), in order. */
  readonly imports: readonly string[];
  /** Characters the rewrite inserted at the start of a line, by line: columns shift by this. */
  readonly columnShifts: Readonly<Record<number, number>>;
}

/** Options for {@link transformCell}. */
export interface TransformOptions {
  /**
   * The library paths an import may name ("lib/mod.ts"); an import of any other path is a
   * {@link CellError} at its line. Default: any path (checked when the cell runs).
   */
  readonly modules?: readonly string[];
}

/** Where in a cell something went wrong (1-based line, 1-based column). */
export interface CellLocation {
  /** The line in the cell, from 1. */
  readonly line: number;
  /** The column in that line, from 1; approximate after a stripped type annotation. */
  readonly column?: number;
}

/** An error in a cell's code (a syntax error or an import no page can load), with its place. */
export class CellError extends SyntaxError {
  /** Where in the cell. */
  readonly location: CellLocation;

  /** Builds the error; the message does not repeat the location. */
  constructor(message: string, location: CellLocation) {
    super(message);
    this.name = "SyntaxError";
    this.location = location;
  }
}

// Names the rewritten code introduces; a cell would have to try hard to collide with them.
const SCOPE = "__nb$scope";
const IMPORT = "__nb$import";
const VALUE = "__nb$value";

/**
 * The library path a chapter's import names: chapters live in `notebooks/`, so
 * `"../lib/x/mod.ts"` is `"lib/x/mod.ts"`; anything that does not resolve inside the
 * repository is returned as written.
 *
 * @example
 * ```ts
 * modulePath("../lib/mod.ts"); // "lib/mod.ts"
 * ```
 */
export function modulePath(specifier: string): string {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return specifier;
  const parts = ["notebooks"];
  for (const part of specifier.split("/")) {
    if (part === "." || part === "") continue;
    if (part === "..") {
      if (parts.length === 0) return specifier;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

/**
 * Turns a TypeScript cell into a function body with notebook semantics (see the module
 * documentation). Run it with {@link runCell}.
 *
 * @throws {CellError} for a syntax error or an unknown import, naming the line and column.
 *
 * @example
 * ```ts
 * const cell = transformCell("const x: number = y + 1;\nx * 2");
 * cell.defines; // ["x"]
 * cell.uses; // ["y"]
 * ```
 */
export function transformCell(source: string, options: TransformOptions = {}): TransformedCell {
  let js: string;
  try {
    js = transform(source, {
      transforms: ["typescript"],
      disableESTransforms: true,
      // A name imported here may be used only by a later cell: keep every import.
      keepUnusedImports: true,
      production: true,
    }).code;
  } catch (error) {
    throw syntaxError(error);
  }
  let program: EsNode & { body: EsNode[] };
  try {
    program = parse(js, {
      ecmaVersion: "latest",
      sourceType: "module",
      allowAwaitOutsideFunction: true,
      locations: true,
    }) as unknown as EsNode & { body: EsNode[] };
  } catch (error) {
    throw syntaxError(error);
  }

  const edits: Edit[] = [];
  const columnShifts: Record<number, number> = {};
  const defines: string[] = [];
  const imports: string[] = [];
  const functionExports: string[] = [];
  const define = (name: string) => {
    if (!defines.includes(name)) defines.push(name);
  };
  const exportsOf = (names: readonly string[]) =>
    names.map((name) => `${SCOPE}[${JSON.stringify(name)}] = ${name};`).join(" ");

  const body = program.body;
  body.forEach((statement, i) => {
    const last = i === body.length - 1;
    switch (statement.type) {
      case "ImportDeclaration": {
        const specifier = String((statement.source as EsNode).value);
        const path = modulePath(specifier);
        const line = statement.loc.start.line;
        if (options.modules !== undefined && !options.modules.includes(path)) {
          throw new CellError(unknownModuleMessage(specifier, options.modules), {
            line,
            column: statement.loc.start.column + 1,
          });
        }
        imports.push(path);
        const names: string[] = [];
        const fields: string[] = [];
        let namespace: string | undefined;
        for (const spec of statement.specifiers as EsNode[]) {
          const local = (spec.local as EsNode).name as string;
          names.push(local);
          if (spec.type === "ImportNamespaceSpecifier") namespace = local;
          else if (spec.type === "ImportDefaultSpecifier") fields.push(`default: ${local}`);
          else {
            const imported = spec.imported as EsNode;
            const key = imported.type === "Identifier"
              ? imported.name as string
              : String(imported.value);
            fields.push(`${JSON.stringify(key)}: ${local}`);
          }
        }
        names.forEach(define);
        const load = `${IMPORT}(${JSON.stringify(specifier)}, ${line})`;
        let text = namespace !== undefined
          ? `const ${namespace} = ${load};`
          : fields.length > 0
          ? `const { ${fields.join(", ")} } = ${load};`
          : `${load};`;
        if (namespace !== undefined && fields.length > 0) {
          text += ` const { ${fields.join(", ")} } = ${namespace};`;
        }
        text += ` ${exportsOf(names)}`;
        const original = js.slice(statement.start, statement.end);
        edits.push({
          start: statement.start,
          end: statement.end,
          text: text + "\n".repeat(countNewlines(original)),
        });
        break;
      }
      case "VariableDeclaration":
      case "ClassDeclaration": {
        const names = statement.type === "ClassDeclaration"
          ? [(statement.id as EsNode).name as string]
          : (statement.declarations as EsNode[]).flatMap((d) => patternNames(d.id as EsNode));
        names.forEach(define);
        edits.push({ start: statement.end, end: statement.end, text: ` ${exportsOf(names)}` });
        break;
      }
      case "FunctionDeclaration": {
        const name = (statement.id as EsNode).name as string;
        define(name);
        functionExports.push(name);
        // Hoisted, so publishing it where it stands works for code above it too.
        edits.push({ start: statement.end, end: statement.end, text: ` ${exportsOf([name])}` });
        break;
      }
      case "ExpressionStatement": {
        if (last && statement.directive === undefined) {
          const expression = statement.expression as EsNode;
          const text = `${VALUE} = (`;
          edits.push({ start: statement.start, end: expression.start, text });
          columnShifts[statement.loc.start.line] = text.length;
          edits.push({ start: expression.end, end: statement.end, text: `);` });
        }
        break;
      }
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration":
      case "ExportAllDeclaration":
        throw new CellError("Cannot export from a cell: a cell is not a module", {
          line: statement.loc.start.line,
          column: statement.loc.start.column + 1,
        });
    }
  });

  const scope = analyseScope(program);
  const uses = [...scope.free].filter((name) => !defines.includes(name));
  const assigns = [...scope.assignedFree].filter((name) => !defines.includes(name));

  const letNames = defines.filter((name) => !functionExports.includes(name));
  const tail = `\n;${exportsOf([...letNames, ...assigns])} return ${VALUE};`;
  return {
    code: applyEdits(js, edits).replace(/\s+$/, "") + tail,
    defines,
    uses,
    assigns,
    imports,
    columnShifts,
  };
}

/**
 * The source of an async function `(scope, importModule) => value` that runs the cell:
 * first it reads the names it uses from `scope` (only those `scopeNames` holds, so globals
 * such as `Math` stay globals), then runs the body. Line `n` of the cell is line `n` of
 * this source, which `sourceName` names in stack traces.
 */
export function compileCell(
  cell: TransformedCell,
  scopeNames: ReadonlySet<string>,
  sourceName: string,
): { readonly source: string; readonly columnShifts: Readonly<Record<number, number>> } {
  const prelude = cell.uses.filter((name) => scopeNames.has(name))
    .map((name) => `let ${name} = ${SCOPE}[${JSON.stringify(name)}];`).join(" ");
  const header = `(async function (${SCOPE}, ${IMPORT}) { "use strict"; let ${VALUE}; ${prelude} `;
  return {
    source: `${header}${cell.code}\n})\n//# sourceURL=${sourceName}`,
    columnShifts: { ...cell.columnShifts, 1: header.length + (cell.columnShifts[1] ?? 0) },
  };
}

/** Resolves a library path ("lib/mod.ts") to its module namespace. */
export type ModuleLookup = (path: string) => Readonly<Record<string, unknown>> | undefined;

/** Options for {@link runCell}. */
export interface RunCellOptions {
  /** The shared scope: read for the names the cell uses, written with what it defines. */
  readonly scope: Record<string, unknown>;
  /** Looks up an import's library path. */
  readonly modules: ModuleLookup;
  /** The name stack traces give the cell (a file name, no spaces). Default "cell.ts". */
  readonly sourceName?: string;
}

/**
 * Runs a transformed cell in the shared scope and resolves to its value (the last
 * expression's, or undefined). A thrown error is rethrown with `cellLocation` set when it
 * was thrown by the cell's own code (see {@link errorLocation}).
 */
export async function runCell(cell: TransformedCell, options: RunCellOptions): Promise<unknown> {
  const sourceName = options.sourceName ?? "cell.ts";
  const compiled = compileCell(cell, new Set(Object.keys(options.scope)), sourceName);
  const importModule = (specifier: string, line: number) => {
    const found = options.modules(modulePath(specifier));
    if (found === undefined) {
      throw new CellError(unknownModuleMessage(specifier), { line, column: 1 });
    }
    return found;
  };
  // Indirect eval: the cell sees globals and the scope it is handed, not this module.
  const run = (0, eval)(compiled.source) as (
    scope: Record<string, unknown>,
    load: typeof importModule,
  ) => Promise<unknown>;
  try {
    return await run(options.scope, importModule);
  } catch (error) {
    if (error instanceof Error && !(error instanceof CellError)) {
      const location = errorLocation(error, sourceName, compiled.columnShifts);
      if (location) (error as Error & { cellLocation?: CellLocation }).cellLocation = location;
    }
    throw error;
  }
}

/**
 * Where in the cell an error was thrown: the first frame of its stack in `sourceName`
 * (a frame inside the library gives the cell's line that called it), less the characters
 * the rewrite inserted before that column.
 */
export function errorLocation(
  error: Error,
  sourceName: string,
  columnShifts: Readonly<Record<number, number>> = {},
): CellLocation | undefined {
  if (error instanceof CellError) return error.location;
  const escaped = sourceName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}(?:, <anonymous>)?:(\\d+):(\\d+)`).exec(error.stack ?? "");
  if (!match) return undefined;
  const line = Number(match[1]);
  const column = Number(match[2]) - (columnShifts[line] ?? 0);
  return { line, column: Math.max(1, column) };
}

/**
 * Jupyter-style text for an error in a cell: the error's name and message, then the line
 * it came from with a caret under the column.
 *
 * @example
 * ```ts
 * formatCellError("RangeError", "too big", "const A = 1;\nconst B = f(A);", { line: 2, column: 11 });
 * // "RangeError: too big\n\nline 2 of this cell:\n  2 | const B = f(A);\n                ^"
 * ```
 */
export function formatCellError(
  name: string,
  message: string,
  source: string,
  location?: CellLocation,
): string {
  const head = `${name}: ${message}`;
  if (location === undefined) return head;
  const text = source.split("\n")[location.line - 1];
  if (text === undefined) return `${head}\n\nline ${location.line} of this cell`;
  const gutter = `  ${location.line} | `;
  const caret = location.column === undefined
    ? ""
    : `\n${" ".repeat(gutter.length + Math.max(0, location.column - 1))}^`;
  return `${head}\n\nline ${location.line} of this cell:\n${gutter}${text}${caret}`;
}

/** What {@link cellsNeeded} reads of each cell. */
export interface CellNames {
  /** Names the cell defines. */
  readonly defines: readonly string[];
  /** Free names the cell uses. */
  readonly uses: readonly string[];
}

/**
 * The earlier cells that `target` needs, in notebook order: for every name it uses, the
 * last cell before it that defines the name, then what that cell needs, and so on. Names
 * no earlier cell defines are globals (or mistakes the run will report).
 *
 * @example
 * ```ts
 * cellsNeeded([
 *   { defines: ["SEED"], uses: [] },
 *   { defines: ["big"], uses: ["SEED"] },
 *   { defines: ["x"], uses: ["SEED"] },
 * ], 3, ["x"]); // [0, 2]
 * ```
 */
export function cellsNeeded(
  cells: readonly CellNames[],
  target: number,
  uses: readonly string[] = cells[target]?.uses ?? [],
): number[] {
  const needed = new Set<number>();
  const pending: { name: string; before: number }[] = uses.map((name) => ({
    name,
    before: target,
  }));
  const seen = new Set<string>();
  while (pending.length > 0) {
    const { name, before } = pending.pop()!;
    const key = `${before}:${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (let j = Math.min(before, cells.length) - 1; j >= 0; j--) {
      const cell = cells[j]!;
      if (!cell.defines.includes(name)) continue;
      if (!needed.has(j)) {
        needed.add(j);
        for (const used of cell.uses) pending.push({ name: used, before: j });
      }
      break;
    }
  }
  return [...needed].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------
// Rewriting

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return out;
}

function countNewlines(text: string): number {
  return text.split("\n").length - 1;
}

function unknownModuleMessage(specifier: string, known?: readonly string[]): string {
  const list = known === undefined
    ? ""
    : ` (a page can import ${known.map((path) => `"../${path}"`).join(", ")})`;
  return `Cannot import "${specifier}": it is not one of the library's modules${list}`;
}

function syntaxError(error: unknown): CellError {
  const raw = error instanceof Error ? error.message : String(error);
  const loc = (error as { loc?: { line?: number; column?: number } }).loc;
  const message = raw.replace(/\s*\(\d+:\d+\)$/, "");
  return new CellError(message, {
    line: loc?.line ?? 1,
    ...(loc?.column === undefined ? {} : { column: loc.column + 1 }),
  });
}

// ---------------------------------------------------------------------------------------
// Scope analysis: which names a cell uses without declaring them

/** An ESTree node as acorn builds it, read loosely. */
interface EsNode {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly loc: { readonly start: { readonly line: number; readonly column: number } };
  readonly [key: string]: unknown;
}

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent: Scope | undefined, readonly isFunction: boolean) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

function isNode(value: unknown): value is EsNode {
  return typeof value === "object" && value !== null &&
    typeof (value as { type?: unknown }).type === "string";
}

function children(node: EsNode): EsNode[] {
  const out: EsNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === "loc") continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item);
    } else if (isNode(value)) out.push(value);
  }
  return out;
}

/** The names a binding pattern binds. */
function patternNames(pattern: EsNode): string[] {
  switch (pattern.type) {
    case "Identifier":
      return [pattern.name as string];
    case "ObjectPattern":
      return (pattern.properties as EsNode[]).flatMap((p) =>
        p.type === "RestElement"
          ? patternNames(p.argument as EsNode)
          : patternNames(p.value as EsNode)
      );
    case "ArrayPattern":
      return (pattern.elements as (EsNode | null)[]).flatMap((e) => e ? patternNames(e) : []);
    case "RestElement":
      return patternNames(pattern.argument as EsNode);
    case "AssignmentPattern":
      return patternNames(pattern.left as EsNode);
    default:
      return [];
  }
}

/** Declares what a block or function body declares directly (let, const, class, function). */
function hoistBlock(statements: readonly EsNode[], scope: Scope): void {
  for (const statement of statements) {
    const declaration = statement.type === "ExportNamedDeclaration" && isNode(statement.declaration)
      ? statement.declaration
      : statement;
    if (declaration.type === "VariableDeclaration" && declaration.kind !== "var") {
      for (const d of declaration.declarations as EsNode[]) {
        for (const name of patternNames(d.id as EsNode)) scope.names.add(name);
      }
    } else if (
      (declaration.type === "ClassDeclaration" || declaration.type === "FunctionDeclaration") &&
      isNode(declaration.id)
    ) {
      scope.names.add(declaration.id.name as string);
    } else if (declaration.type === "ImportDeclaration") {
      for (const spec of declaration.specifiers as EsNode[]) {
        scope.names.add((spec.local as EsNode).name as string);
      }
    }
  }
}

/** Declares every `var` in a function body (not inside nested functions). */
function hoistVars(node: EsNode, scope: Scope): void {
  if (node.type === "VariableDeclaration" && node.kind === "var") {
    for (const d of node.declarations as EsNode[]) {
      for (const name of patternNames(d.id as EsNode)) scope.names.add(name);
    }
  }
  for (const child of children(node)) {
    if (
      child.type === "FunctionDeclaration" || child.type === "FunctionExpression" ||
      child.type === "ArrowFunctionExpression"
    ) continue;
    hoistVars(child, scope);
  }
}

function analyseScope(program: EsNode): { free: Set<string>; assignedFree: Set<string> } {
  const free = new Set<string>();
  const assignedFree = new Set<string>();
  const top = new Scope(undefined, true);
  hoistBlock(program.body as EsNode[], top);
  hoistVars(program, top);

  const reference = (name: string, scope: Scope, assigned: boolean) => {
    if (scope.has(name)) return;
    free.add(name);
    if (assigned) assignedFree.add(name);
  };

  /** Walks the expressions inside a binding pattern (defaults, computed keys). */
  const visitPattern = (pattern: EsNode, scope: Scope, assigning: boolean) => {
    switch (pattern.type) {
      case "Identifier":
        if (assigning) reference(pattern.name as string, scope, true);
        return;
      case "ObjectPattern":
        for (const p of pattern.properties as EsNode[]) {
          if (p.type === "RestElement") visitPattern(p.argument as EsNode, scope, assigning);
          else {
            if (p.computed) visit(p.key as EsNode, scope);
            visitPattern(p.value as EsNode, scope, assigning);
          }
        }
        return;
      case "ArrayPattern":
        for (const e of pattern.elements as (EsNode | null)[]) {
          if (e) visitPattern(e, scope, assigning);
        }
        return;
      case "RestElement":
        visitPattern(pattern.argument as EsNode, scope, assigning);
        return;
      case "AssignmentPattern":
        visitPattern(pattern.left as EsNode, scope, assigning);
        visit(pattern.right as EsNode, scope);
        return;
      default: // a member expression as an assignment target
        visit(pattern, scope);
    }
  };

  const visitFunction = (fn: EsNode, outer: Scope) => {
    const scope = new Scope(outer, true);
    if (fn.type === "FunctionExpression" && isNode(fn.id)) scope.names.add(fn.id.name as string);
    if (fn.type !== "ArrowFunctionExpression") scope.names.add("arguments");
    for (const param of fn.params as EsNode[]) {
      for (const name of patternNames(param)) scope.names.add(name);
    }
    for (const param of fn.params as EsNode[]) visitPattern(param, scope, false);
    const body = fn.body as EsNode;
    if (body.type === "BlockStatement") {
      hoistBlock(body.body as EsNode[], scope);
      hoistVars(body, scope);
      for (const statement of body.body as EsNode[]) visit(statement, scope);
    } else visit(body, scope);
  };

  const visitClass = (cls: EsNode, outer: Scope) => {
    const scope = new Scope(outer, false);
    if (isNode(cls.id)) scope.names.add(cls.id.name as string);
    if (isNode(cls.superClass)) visit(cls.superClass, outer);
    for (const member of (cls.body as EsNode).body as EsNode[]) {
      if (member.computed) visit(member.key as EsNode, scope);
      if (member.type === "StaticBlock") {
        const block = new Scope(scope, true);
        hoistBlock(member.body as EsNode[], block);
        for (const statement of member.body as EsNode[]) visit(statement, block);
      } else if (isNode(member.value)) visit(member.value, scope);
    }
  };

  const visit = (node: EsNode, scope: Scope): void => {
    switch (node.type) {
      case "Identifier":
        reference(node.name as string, scope, false);
        return;
      case "ImportDeclaration":
      case "Literal":
      case "ThisExpression":
      case "Super":
      case "MetaProperty":
      case "TemplateElement":
      case "BreakStatement":
      case "ContinueStatement":
      case "PrivateIdentifier":
        return;
      case "LabeledStatement":
        visit(node.body as EsNode, scope);
        return;
      case "MemberExpression":
        visit(node.object as EsNode, scope);
        if (node.computed) visit(node.property as EsNode, scope);
        return;
      case "Property":
        if (node.computed) visit(node.key as EsNode, scope);
        visit(node.value as EsNode, scope);
        return;
      case "VariableDeclaration":
        for (const d of node.declarations as EsNode[]) {
          visitPattern(d.id as EsNode, scope, false);
          if (isNode(d.init)) visit(d.init, scope);
        }
        return;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        visitFunction(node, scope);
        return;
      case "ClassDeclaration":
      case "ClassExpression":
        visitClass(node, scope);
        return;
      case "AssignmentExpression":
        visitPattern(node.left as EsNode, scope, true);
        visit(node.right as EsNode, scope);
        return;
      case "UpdateExpression": {
        const argument = node.argument as EsNode;
        if (argument.type === "Identifier") reference(argument.name as string, scope, true);
        else visit(argument, scope);
        return;
      }
      case "BlockStatement":
      case "StaticBlock": {
        const block = new Scope(scope, false);
        hoistBlock(node.body as EsNode[], block);
        for (const statement of node.body as EsNode[]) visit(statement, block);
        return;
      }
      case "SwitchStatement": {
        visit(node.discriminant as EsNode, scope);
        const block = new Scope(scope, false);
        const cases = node.cases as EsNode[];
        hoistBlock(cases.flatMap((c) => c.consequent as EsNode[]), block);
        for (const c of cases) {
          if (isNode(c.test)) visit(c.test, block);
          for (const statement of c.consequent as EsNode[]) visit(statement, block);
        }
        return;
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        const loop = new Scope(scope, false);
        const head = (node.init ?? node.left) as EsNode | null;
        if (head && head.type === "VariableDeclaration" && head.kind !== "var") {
          hoistBlock([head], loop);
        }
        if (head) {
          if (head.type === "VariableDeclaration" || node.type === "ForStatement") {
            visit(head, loop);
          } else visitPattern(head, loop, true);
        }
        for (const key of ["test", "update", "right", "body"]) {
          const child = node[key];
          if (isNode(child)) visit(child, loop);
        }
        return;
      }
      case "CatchClause": {
        const block = new Scope(scope, false);
        if (isNode(node.param)) {
          for (const name of patternNames(node.param)) block.names.add(name);
          visitPattern(node.param, block, false);
        }
        visit(node.body as EsNode, block);
        return;
      }
      default:
        for (const child of children(node)) visit(child, scope);
    }
  };

  for (const statement of program.body as EsNode[]) visit(statement, top);
  return { free, assignedFree };
}
