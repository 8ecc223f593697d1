/**
 * The exported pages fold set-up code behind "show code" (cells tagged `hide-input`) and
 * keep open the code a reader is meant to read: no chapter may fold a Try it cell or an
 * exercise template, and every chapter folds something.
 */
import assert from "node:assert/strict";
import { FOLD_TAG } from "../../tools/html_page.ts";
import { NOTEBOOKS_DIR } from "../../tools/jupyter.ts";
import { cellTags, joinText, listNotebooks, readNotebook } from "../../tools/notebook_json.ts";

const TRY_IT = /^\/\/\s*try it\b/i;

Deno.test("no chapter folds a Try it cell or an exercise template", async () => {
  const wrong: string[] = [];
  for (const path of await listNotebooks(NOTEBOOKS_DIR)) {
    const notebook = await readNotebook(path);
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code" || !cellTags(cell).includes(FOLD_TAG)) continue;
      const source = joinText(cell.source);
      const first = source.split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
      if (TRY_IT.test(first) || cellTags(cell).includes("try-it") || /\bTODO\b/.test(source)) {
        wrong.push(`${path.split("/").pop()} cell ${index + 1}: ${first}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("every chapter folds some of its set-up code on the page", async () => {
  for (const path of await listNotebooks(NOTEBOOKS_DIR)) {
    const notebook = await readNotebook(path);
    const folded = notebook.cells.filter((cell) =>
      cell.cell_type === "code" && cellTags(cell).includes(FOLD_TAG)
    );
    assert.ok(folded.length > 0, `${path} folds no code cell (tag set-up with ${FOLD_TAG})`);
  }
});
