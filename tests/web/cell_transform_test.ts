import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CellError,
  type CellLocation,
  cellsNeeded,
  formatCellError,
  modulePath,
  runCell,
  transformCell,
} from "../../web/cell_transform.ts";

const MODULES: Record<string, Record<string, unknown>> = {
  "lib/mod.ts": { add: (a: number, b: number) => a + b, SEED_DEFAULT: 7 },
  "lib/sim/mod.ts": { makeSim: (seed: number) => ({ seed }) },
};

/** A notebook in miniature: cells run one after another in one scope. */
function notebook() {
  const scope: Record<string, unknown> = {};
  let count = 0;
  return {
    scope,
    run: (source: string) =>
      runCell(transformCell(source, { modules: Object.keys(MODULES) }), {
        scope,
        modules: (path) => MODULES[path],
        sourceName: `cell-${++count}.ts`,
      }),
  };
}

async function locationOf(promise: Promise<unknown>): Promise<CellLocation | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof CellError
      ? error.location
      : (error as { cellLocation?: CellLocation }).cellLocation;
  }
  assert.fail("the cell did not throw");
}

Deno.test("later cells see earlier cells' declarations, types stripped", async () => {
  const nb = notebook();
  await nb.run(
    'import { add, type Node } from "../lib/mod.ts";\nconst SEED: number = 7;\n' +
      "function twice(x: number): number { return add(x, x); }\nclass Box<T> { constructor(readonly v: T) {} }",
  );
  assert.equal(await nb.run("twice(SEED) + new Box<number>(1).v"), 15);
  assert.deepEqual(Object.keys(nb.scope).sort(), ["Box", "SEED", "add", "twice"]);
});

Deno.test("import * as ns and renamed imports become library lookups", async () => {
  const nb = notebook();
  await nb.run(
    'import * as sim from "../lib/sim/mod.ts";\nimport { add as plus } from "../lib/mod.ts";',
  );
  assert.deepEqual(await nb.run("sim.makeSim(plus(1, 2))"), { seed: 3 });
});

Deno.test("an unknown import is an error at its line", () => {
  assert.throws(
    () =>
      transformCell('const A = 1;\nimport { x } from "../lib/nope/mod.ts";', {
        modules: Object.keys(MODULES),
      }),
    (error: unknown) =>
      error instanceof CellError && error.location.line === 2 &&
      /Cannot import "..\/lib\/nope\/mod.ts": it is not one of the library's modules/.test(
        error.message,
      ),
  );
});

Deno.test("re-running a cell and re-declaring a name in a later cell both work", async () => {
  const nb = notebook();
  await nb.run("const K = 1;");
  await nb.run("const K = 1;");
  await nb.run("const K = 2;\nlet f = () => K;");
  assert.equal(await nb.run("K + f()"), 4);
});

Deno.test("a closure keeps the binding of the cell that made it; assignments write back", async () => {
  const nb = notebook();
  await nb.run("let count = 0;\nconst bump = () => ++count;");
  await nb.run("bump(); bump();");
  await nb.run("count = 10;");
  assert.equal(await nb.run("count"), 10);
});

Deno.test("inner scopes shadow without becoming free names", () => {
  const cell = transformCell(
    "const rows = data.map((row) => row.x + offset);\n" +
      "for (const k of rows) { const rows = k; use(rows); }\n" +
      "try { risky(); } catch (e) { report(e); }\n" +
      "function f(a, { b, c: [d] }, ...rest) { var v = a + b + d + rest.length; return v + g; }\n" +
      "label: for (let i = 0; i < 2; i++) { if (i) break label; }",
  );
  assert.deepEqual([...cell.uses].sort(), ["data", "g", "offset", "report", "risky", "use"]);
  assert.deepEqual(cell.defines, ["rows", "f"]);
});

Deno.test("top-level await works and the last expression is the value", async () => {
  const nb = notebook();
  assert.equal(await nb.run("const x = await Promise.resolve(20);\nx + 1"), 21);
  assert.equal(await nb.run("const y = 1;"), undefined);
  assert.equal(await nb.run("await Promise.resolve(5);"), 5);
  assert.equal(await nb.run("if (true) { 3 }"), undefined);
  assert.deepEqual(await nb.run("({ a: 1 })"), { a: 1 });
});

Deno.test("a cell's definitions made before it throws stay in scope", async () => {
  const nb = notebook();
  await assert.rejects(nb.run("const before = 1;\nthrow new RangeError('no');\nconst after = 2;"));
  assert.equal(nb.scope.before, 1);
  assert.equal("after" in nb.scope, false);
});

Deno.test("destructuring declarations define every bound name with its value", async () => {
  // Random nested patterns over distinct names: the scope ends up holding each name bound
  // to the value at its path.
  const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), {
    minLength: 1,
    maxLength: 6,
  }).filter((list) => list.every((n) => !RESERVED.has(n)));
  await fc.assert(
    fc.asyncProperty(names, fc.boolean(), async (list, asArray) => {
      const nb = notebook();
      const pattern = asArray
        ? `[${list.join(", ")}]`
        : `{ ${list.map((n, i) => (i % 2 === 0 ? n : `K${i}: [${n}]`)).join(", ")} }`;
      const value = asArray
        ? `[${list.map((_, i) => i).join(", ")}]`
        : `{ ${
          list.map((_, i) => (i % 2 === 0 ? `${list[i]}: ${i}` : `K${i}: [${i}]`)).join(", ")
        } }`;
      const cell = transformCell(`const ${pattern} = ${value};`);
      assert.deepEqual(cell.defines, list);
      await nb.run(`const ${pattern} = ${value};`);
      list.forEach((n, i) => assert.equal(nb.scope[n], i));
    }),
    { numRuns: 60 },
  );
});

Deno.test("an error reports the cell's line and column, whatever line it is on", async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat(12), fc.nat(6), async (before, indent) => {
      const nb = notebook();
      const padding = Array.from({ length: before }, (_, i) => `const v${i}: number = ${i};`);
      const source = [...padding, `${" ".repeat(indent)}null as any as { x: 1 };`, "missing.call()"]
        .join("\n");
      const location = await locationOf(nb.run(source));
      assert.equal(location?.line, before + 2);
      assert.equal(location?.column, 1);
    }),
    { numRuns: 25 },
  );
});

Deno.test("a runtime error in a library call or on the first line names the cell's line", async () => {
  const nb = notebook();
  assert.deepEqual(await locationOf(nb.run("undefinedThing()")), { line: 1, column: 1 });
  const location = await locationOf(
    nb.run("const A = 1;\n\nconst B = [1].map(() => { throw new Error('x'); });"),
  );
  assert.equal(location?.line, 3);
  // The last expression is rewritten; the column still points at the cell's text.
  assert.deepEqual(await locationOf(nb.run("const C = 1;\nC.foo.bar")), { line: 2, column: 7 });
});

Deno.test("a syntax error names its line and column", () => {
  assert.throws(
    () => transformCell("const A = 1;\nconst B = ;"),
    (error: unknown) =>
      error instanceof CellError && error.location.line === 2 && error.location.column === 12,
  );
  assert.throws(() => transformCell("export const A = 1;"), /Cannot export from a cell/);
});

Deno.test("formatCellError shows the line with a caret, like Jupyter", () => {
  assert.equal(
    formatCellError("RangeError", "too big", "const A = 1;\nconst B = f(A);", {
      line: 2,
      column: 11,
    }),
    "RangeError: too big\n\nline 2 of this cell:\n  2 | const B = f(A);\n                ^",
  );
});

Deno.test("cellsNeeded follows names back to the last cell defining each, transitively", () => {
  const cells = [
    { defines: ["lib", "SEED"], uses: [] },
    { defines: ["big"], uses: ["lib", "SEED"] },
    { defines: ["helper"], uses: ["lib"] },
    { defines: ["SEED"], uses: [] },
    { defines: ["x"], uses: ["helper", "SEED"] },
    { defines: ["TRY"], uses: ["x", "Math"] },
  ];
  assert.deepEqual(cellsNeeded(cells, 5), [0, 2, 3, 4]);
  assert.deepEqual(cellsNeeded(cells, 2), [0]);
  assert.deepEqual(cellsNeeded(cells, 0), []);
});

Deno.test("cellsNeeded returns only earlier cells, each once, in order", () => {
  const cell = fc.record({
    defines: fc.uniqueArray(fc.constantFrom<string>("a", "b", "c", "d"), { maxLength: 2 }),
    uses: fc.uniqueArray(fc.constantFrom<string>("a", "b", "c", "d", "e"), { maxLength: 3 }),
  });
  fc.assert(
    fc.property(fc.array(cell, { minLength: 1, maxLength: 12 }), (cells) => {
      const target = cells.length - 1;
      const needed = cellsNeeded(cells, target);
      assert.deepEqual(needed, [...new Set(needed)].sort((a, b) => a - b));
      assert.ok(needed.every((i) => i < target));
      // Every name the target uses that an earlier cell defines has its provider included.
      for (const name of cells[target]!.uses) {
        const provider = cells.slice(0, target).map((c) => c.defines.includes(name))
          .lastIndexOf(true);
        if (provider >= 0) assert.ok(needed.includes(provider));
      }
    }),
  );
});

Deno.test("modulePath resolves chapter imports from notebooks/", () => {
  assert.equal(modulePath("../lib/mod.ts"), "lib/mod.ts");
  assert.equal(modulePath("../lib/sim/../viz/mod.ts"), "lib/viz/mod.ts");
  assert.equal(modulePath("npm:zod"), "npm:zod");
});

const RESERVED = new Set([
  "do",
  "if",
  "in",
  "for",
  "let",
  "new",
  "try",
  "var",
  "case",
  "else",
  "enum",
  "null",
  "this",
  "true",
  "void",
  "with",
  "await",
  "break",
  "catch",
  "class",
  "const",
  "false",
  "super",
  "throw",
  "while",
  "yield",
  "delete",
  "export",
  "import",
  "public",
  "return",
  "static",
  "switch",
  "typeof",
  "default",
  "extends",
  "finally",
  "package",
  "private",
  "continue",
  "debugger",
  "function",
  "arguments",
  "interface",
  "protected",
  "implements",
  "instanceof",
  "as",
  "of",
  "eval",
  "type",
  "any",
  "is",
  "keyof",
]);
