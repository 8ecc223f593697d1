import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DENO_KERNELSPEC,
  fixNotebookText,
  formatNotebookJson,
  inspectNotebook,
  normalizeNotebook,
  runHygiene,
} from "../../tools/notebook_hygiene.ts";
import type { Cell, Notebook } from "../../tools/notebook_json.ts";
import { runTool } from "../run_tool.ts";

const FIXTURES = new URL("../fixtures/notebooks/hygiene/", import.meta.url);
const dirty = await Deno.readTextFile(new URL("dirty.ipynb", FIXTURES));
const clean = await Deno.readTextFile(new URL("clean.ipynb", FIXTURES));

Deno.test("inspectNotebook lists every kind of dirt in a notebook saved after running", () => {
  const { issues } = inspectNotebook(dirty);
  assert.deepEqual(issues, [
    "outputs in 3 code cells",
    "execution counts in 3 code cells",
    'kernelspec is "python3", not "deno"',
    `language_info differs from Deno's (it records version "6.0.3")`,
    "notebook metadata has widgets",
    "cell metadata has collapsed, execution, scrolled in 3 cells",
    "2 cells without a valid, unique id",
  ]);
});

Deno.test("fixNotebookText turns the dirty fixture into the committed clean fixture", () => {
  assert.equal(fixNotebookText(dirty), clean);
});

Deno.test("inspectNotebook finds nothing to fix in a clean notebook", () => {
  const report = inspectNotebook(clean);
  assert.deepEqual(report.issues, []);
  assert.equal(report.fixed, clean);
});

Deno.test("inspectNotebook flags a clean notebook re-indented by another tool", () => {
  const reindented = `${JSON.stringify(JSON.parse(clean), null, 2)}\n`;
  const report = inspectNotebook(reindented);
  assert.equal(report.issues.length, 1);
  assert.match(report.issues[0] ?? "", /JSON layout is not normalised/);
  assert.equal(report.fixed, clean);
});

Deno.test("inspectNotebook flags a missing final newline and sources stored as strings", () => {
  assert.match(inspectNotebook(clean.trimEnd()).issues.join(), /JSON layout/);
  const notebook = JSON.parse(clean);
  notebook.cells[1].source = notebook.cells[1].source.join("");
  assert.match(inspectNotebook(formatNotebookJson(notebook)).issues.join(), /JSON layout/);
});

Deno.test("normalizeNotebook keeps valid ids and tags and derives the same ids every time", () => {
  const notebook = JSON.parse(dirty) as Notebook;
  const first = normalizeNotebook(notebook);
  const second = normalizeNotebook(JSON.parse(dirty) as Notebook);
  assert.deepEqual(first.cells.map((cell) => cell.id), second.cells.map((cell) => cell.id));
  assert.equal(first.cells[1]?.id, "setup");
  assert.deepEqual(first.cells[1]?.metadata, { tags: ["parameters"] });
  assert.equal(first.cells[2]?.id, "value");
  assert.notEqual(first.cells[3]?.id, "value");
  assert.deepEqual(first.metadata.kernelspec, DENO_KERNELSPEC);
});

Deno.test("inspectNotebook rejects text that is not an nbformat 4 notebook", () => {
  assert.throws(() => inspectNotebook("{", "broken.ipynb"), SyntaxError);
  assert.throws(() => inspectNotebook('{"cells": [], "nbformat": 3}', "old.ipynb"), {
    name: "TypeError",
    message: /Cannot read old\.ipynb: nbformat 3 is not supported/,
  });
});

const cellArbitrary: fc.Arbitrary<Cell> = fc.record({
  cell_type: fc.constantFrom("code" as const, "markdown" as const, "raw" as const),
  id: fc.option(fc.constantFrom("a", "b", "bad id!", "c-1"), { nil: undefined }),
  metadata: fc.record({
    tags: fc.option(fc.array(fc.constantFrom("raises-exception", "remove-input")), {
      nil: undefined,
    }),
    collapsed: fc.option(fc.boolean(), { nil: undefined }),
  }, { requiredKeys: [] }),
  source: fc.oneof(fc.string(), fc.array(fc.string())),
  execution_count: fc.option(fc.nat(), { nil: null }),
  outputs: fc.array(
    fc.record({
      output_type: fc.constant("stream" as const),
      name: fc.constant("stdout"),
      text: fc.string(),
    }),
    { maxLength: 2 },
  ),
});

Deno.test("fixNotebookText output is clean and fixing it again changes nothing", () => {
  fc.assert(
    fc.property(fc.array(cellArbitrary, { maxLength: 6 }), (cells) => {
      const text = JSON.stringify({ cells, metadata: { x: 1 }, nbformat: 4, nbformat_minor: 4 });
      const fixed = fixNotebookText(text);
      const again = inspectNotebook(fixed);
      assert.deepEqual(again.issues, []);
      assert.equal(again.fixed, fixed);
      const ids = (JSON.parse(fixed) as Notebook).cells.map((cell) => cell.id);
      assert.equal(new Set(ids).size, ids.length);
    }),
  );
});

Deno.test("runHygiene reports unclean files when checking and rewrites them when fixing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/01_saved.ipynb`;
    await Deno.writeTextFile(path, dirty);
    const lines: string[] = [];
    assert.equal(await runHygiene([path], { log: (line) => lines.push(line) }), 1);
    assert.match(lines.join("\n"), /01_saved\.ipynb: outputs in 3 code cells/);
    assert.equal(await Deno.readTextFile(path), dirty);

    assert.equal(await runHygiene([path], { fix: true, log: () => {} }), 0);
    assert.equal(await Deno.readTextFile(path), clean);
    assert.equal(await runHygiene([path], { log: () => {} }), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("notebook_hygiene --check exits 1 on a dirty notebook and 0 on a clean one", async () => {
  const run = (path: URL) => runTool("tools/notebook_hygiene.ts", ["--check", path.pathname]);
  const bad = await run(new URL("dirty.ipynb", FIXTURES));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /deno task notebooks:clean/);
  assert.equal((await run(new URL("clean.ipynb", FIXTURES))).code, 0);
});
