import assert from "node:assert/strict";
import type { Cell, Notebook } from "../../tools/notebook_json.ts";
import {
  cellsMissingOutputs,
  chooseTryIt,
  expectationFrom,
  missingOutputs,
} from "./chapter_in_browser.ts";
import type { CellView, NotebookView } from "./classic_notebook.ts";

const FIGURE = {
  output_type: "display_data",
  data: { "text/html": "<figure><svg></svg></figure>" },
};
const PROGRESS = {
  output_type: "display_data",
  data: { "text/html": '<div class="sweep-progress">done: 3 trials</div>' },
};

function notebook(cells: Cell[]): Notebook {
  return { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 };
}

function codeCell(source: string, outputs: unknown[] = []): Cell {
  return { cell_type: "code", source, metadata: {}, outputs } as unknown as Cell;
}

function view(cells: Partial<CellView>[]): NotebookView {
  return {
    kernel: "idle",
    cells: cells.map((cell, index) => ({
      index,
      type: "code",
      running: false,
      executionCount: index + 1,
      tags: [],
      source: "",
      errors: [],
      figureOutputs: 0,
      figureDrawings: [],
      progress: [],
      outputText: "",
      ...cell,
    })),
  };
}

const executed = notebook([
  { cell_type: "markdown", source: "# A chapter" },
  codeCell("sweep()", [PROGRESS, FIGURE]),
  codeCell("plot()", [FIGURE, { output_type: "stream", name: "stdout", text: "hi" }, FIGURE]),
]);

Deno.test("expectationFrom counts figures and progress displays per code cell", () => {
  const expectation = expectationFrom(executed);
  assert.deepEqual([...expectation.cells], [
    [1, { figures: 1, progressDisplays: 1 }],
    [2, { figures: 2, progressDisplays: 0 }],
  ]);
  assert.equal(expectation.figures, 3);
  assert.equal(expectation.progressDisplays, 1);
});

Deno.test("missingOutputs is empty when the page shows what the headless run showed", () => {
  const page = view([
    { type: "markdown", executionCount: null },
    { figureOutputs: 1, progress: ["done: 3 trials (x, 3 seeds → 3 rows)"] },
    { figureOutputs: 2 },
  ]);
  assert.deepEqual(missingOutputs(page, expectationFrom(executed)), []);
});

Deno.test("missingOutputs names each missing figure and unfinished progress display", () => {
  const page = view([
    { type: "markdown", executionCount: null },
    { figureOutputs: 1, progress: ["x [██░░] 2/3 trials"] },
    { figureOutputs: 0 },
  ]);
  assert.deepEqual(missingOutputs(page, expectationFrom(executed)), [
    `cell 1's progress display ends at "x [██░░] 2/3 trials", not "done: …"`,
    "cell 2 shows 0 of its 2 figures as <svg>",
    "the page shows 1 figures, the headless run 3",
  ]);
  const noProgress = view([{ type: "markdown" }, { figureOutputs: 1 }, { figureOutputs: 2 }]);
  assert.deepEqual(missingOutputs(noProgress, expectationFrom(executed)), [
    "cell 1 shows 0 of its 1 progress displays",
  ]);
});

Deno.test("chooseTryIt picks the first try-it cell with a knob that shows a figure", () => {
  const chapter = notebook([
    codeCell("// Try it\nconst K = 20;\nconsole.log(K)"),
    codeCell("// Try it\nconst MODE = 'x';\nplot(MODE)"),
    codeCell("const SEED = 3;\nplot(SEED)"),
    codeCell("// Try it\nconst SEED_TRY = 7;\nplot(SEED_TRY)"),
  ]);
  const shown = view([{}, { figureOutputs: 1 }, { figureOutputs: 1 }, { figureOutputs: 1 }]);
  const choice = chooseTryIt(chapter, shown);
  assert.equal(choice?.cellIndex, 3);
  assert.equal(choice?.hasFigure, true);
  assert.equal(choice?.edit.after, "8");
  // Without any figure, the first try-it cell with a knob.
  assert.equal(chooseTryIt(chapter, view([{}, {}, {}, {}]))?.cellIndex, 0);
  assert.equal(chooseTryIt(notebook([codeCell("const K = 1;")]), view([{}])), null);
});

Deno.test("cellsMissingOutputs names the cells to re-run: short of figures or progress", () => {
  const expectation = expectationFrom(executed);
  const complete = view([
    { type: "markdown", executionCount: null },
    { figureOutputs: 1, progress: ["done: 3 trials"] },
    { figureOutputs: 2 },
  ]);
  assert.deepEqual(cellsMissingOutputs(complete, expectation), []);
  const dropped = view([
    { type: "markdown", executionCount: null },
    { figureOutputs: 1, progress: ["x [██░░] 2/3 trials"] },
    { figureOutputs: 1 },
  ]);
  assert.deepEqual(cellsMissingOutputs(dropped, expectation), [1, 2]);
});
