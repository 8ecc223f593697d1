import assert from "node:assert/strict";
import type { ExecutedNotebook } from "../../tools/jupyter.ts";
import type { Cell } from "../../tools/notebook_json.ts";
import { cellsShowingTheirValue, checkExecutedChapter, strayOutputsOf } from "./chapter_check.ts";

const SVG = '<svg viewBox="0 0 4 4"><rect width="2" height="2"/></svg>';

function executed(cells: Cell[]): ExecutedNotebook {
  return {
    path: "notebooks/05_quorums.ipynb",
    notebook: { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 },
    failure: null,
    durationMs: 1,
    strayOutputs: [],
  };
}

function display(data: Record<string, string>): Cell {
  return {
    cell_type: "code",
    source: "show()",
    metadata: {},
    outputs: [{ output_type: "display_data", data }],
  };
}

Deno.test("checkExecutedChapter passes a chapter whose figures all reach the page", () => {
  const check = checkExecutedChapter(
    executed([
      display({ "image/svg+xml": SVG }),
      display({ "text/html": `<figure>${SVG}</figure>` }),
    ]),
  );
  assert.equal(check.figures, 2);
  assert.equal(check.svgElements, 2);
});

Deno.test("checkExecutedChapter fails a chapter without any figure", () => {
  assert.throws(
    () => checkExecutedChapter(executed([display({ "text/plain": "42" })])),
    /05_quorums\.ipynb shows no figure/,
  );
});

Deno.test("checkExecutedChapter fails a page that would load a remote resource", () => {
  const remote = display({
    "text/html": `${SVG}<img src="https://cdn.example/x.png"><a href="https://ok.example">ok</a>`,
  });
  assert.throws(
    () => checkExecutedChapter(executed([remote])),
    /would load from the network: <img src="https:\/\/cdn\.example\/x\.png">/,
  );
});

Deno.test("cellsShowingTheirValue names the cells whose output is their value", () => {
  const value: Cell = {
    cell_type: "code",
    source: "table(rows)",
    metadata: {},
    outputs: [{ output_type: "execute_result", execution_count: 3, data: { "text/plain": "t" } }],
  };
  const run = executed([display({ "text/html": SVG }), value]);
  assert.deepEqual(cellsShowingTheirValue(run.notebook), ["cell 1 (`table(rows)`)"]);
  assert.deepEqual(cellsShowingTheirValue(executed([display({ "text/html": SVG })]).notebook), []);
});

Deno.test("strayOutputsOf names each output that did not arrive while its cell ran", () => {
  const run = executed([display({ "text/plain": "a" }), display({ "text/plain": "b" })]);
  assert.deepEqual(strayOutputsOf(run), []);
  const stray = {
    ...run,
    strayOutputs: [
      { cell: 0, messageType: "stream", when: "after-finish" as const },
      { cell: 1, messageType: "display_data", when: "before-start" as const },
    ],
  };
  assert.deepEqual(strayOutputsOf(stray), [
    "cell 0 (`show()`): stream, after the cell finished",
    "cell 1 (`show()`): display_data, before the cell started",
  ]);
});
