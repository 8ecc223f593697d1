import assert from "node:assert/strict";
import fc from "fast-check";
import { NOTEBOOKS_DIR } from "../../tools/jupyter.ts";
import { type Cell, joinText, listNotebooks, readNotebook } from "../../tools/notebook_json.ts";
import {
  applyKnobEdit,
  chooseKnobEdit,
  describeKnobEdit,
  isTryItCell,
  nudgeNumber,
} from "./try_it.ts";

const code = (source: string, tags?: string[]): Cell => ({
  cell_type: "code",
  source,
  metadata: tags ? { tags } : {},
});

Deno.test("isTryItCell accepts a leading // Try it comment or the try-it tag", () => {
  assert.equal(isTryItCell(code("// Try it\nconst K = 1;")), true);
  assert.equal(isTryItCell(code("\n  // Try it: fan-out. WAIT is ...\nconst K = 1;")), true);
  assert.equal(isTryItCell(code("//try it\nconst K = 1;")), true);
  assert.equal(isTryItCell(code("const K = 1;", ["try-it"])), true);
  assert.equal(isTryItCell(code("const K = 1; // Try it")), false);
  assert.equal(isTryItCell(code("// Trying it out\nconst K = 1;")), false);
  assert.equal(isTryItCell({ cell_type: "markdown", source: "// Try it" }), false);
});

Deno.test("chooseKnobEdit prefers an integer seed knob and moves it to the next seed", () => {
  const source = "// Try it\nconst LOSS = 0.1;\nconst SEED_TRY = 7;\n";
  const edit = chooseKnobEdit(source);
  assert.deepEqual(edit, {
    name: "SEED_TRY",
    line: 2,
    startColumn: 17,
    endColumn: 18,
    before: "7",
    after: "8",
  });
  assert.equal(applyKnobEdit(source, edit!), "// Try it\nconst LOSS = 0.1;\nconst SEED_TRY = 8;\n");
});

Deno.test("chooseKnobEdit falls back to the first number of the first knob that has one", () => {
  const source = [
    "// Try it: the shape of latency.",
    'const FAULT = "omission" as const;',
    "const HEDGE_AFTER_MS: number | undefined = undefined;",
    'const MY_LATENCY = { kind: "pareto", scaleMs: 5, shape: 1.5 } as const;',
    "const TIMEOUT_MS = 50;",
  ].join("\n");
  const edit = chooseKnobEdit(source)!;
  assert.equal(edit.name, "MY_LATENCY");
  assert.equal(edit.line, 3);
  assert.equal(describeKnobEdit(edit), "MY_LATENCY: 5 → 6");
  assert.match(applyKnobEdit(source, edit), /scaleMs: 6, shape: 1\.5/);
});

Deno.test("chooseKnobEdit ignores lower-case names, numbers inside names and digit groups", () => {
  assert.equal(chooseKnobEdit("const seed = 7;\nconst p99 = x2;"), null);
  assert.equal(chooseKnobEdit('const LABEL = "p99";\nconst CRASH_AT_MS = 30_000;'), null);
  assert.equal(chooseKnobEdit("let K = 3;"), null);
});

Deno.test("nudgeNumber keeps probabilities below 1 and changes every number", () => {
  assert.equal(nudgeNumber("50"), "51");
  assert.equal(nudgeNumber("0"), "1");
  assert.equal(nudgeNumber("0.1"), "0.05");
  assert.equal(nudgeNumber("1.5"), "3");
  assert.throws(() => nudgeNumber("x"), TypeError);
  fc.assert(fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (value) => {
    const literal = String(value);
    if (!/^\d+(\.\d+)?$/.test(literal)) return; // exponent forms are not knob literals
    const nudged = Number(nudgeNumber(literal));
    assert.notEqual(nudged, value);
    if (value > 0 && value < 1) assert.ok(nudged > 0 && nudged < 1);
  }));
});

Deno.test("applyKnobEdit refuses an edit that does not match the source", () => {
  const edit = chooseKnobEdit("const K = 20;")!;
  assert.throws(() => applyKnobEdit("const K = 30;", edit), RangeError);
});

Deno.test("every chapter has a try-it cell with a numeric knob for the browser test to turn", async () => {
  const missing: string[] = [];
  for (const path of await listNotebooks(NOTEBOOKS_DIR)) {
    const cells = (await readNotebook(path)).cells.filter(isTryItCell);
    if (!cells.some((cell) => chooseKnobEdit(joinText(cell.source)) !== null)) missing.push(path);
  }
  assert.deepEqual(missing, []);
});
