/**
 * Runs every chapter (`notebooks/*.ipynb`, in order) through the real Deno kernel, at most
 * two at a time, and checks the exported page of each, and that no cell's output is its
 * value (a chapter shows with `await show(...)`): one test per chapter.
 *
 * `NOTEBOOKS_DIR=path/to/dir` runs the chapters of another folder instead.
 */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { type ChapterRef, notebookTitle } from "../../tools/html_page.ts";
import { type ExecutedNotebook, NOTEBOOKS_DIR } from "../../tools/jupyter.ts";
import { chapterSlug, listNotebooks, readNotebook } from "../../tools/notebook_json.ts";
import {
  cellsShowingTheirValue,
  checkExecutedChapter,
  runChapter,
  strayOutputsOf,
} from "./chapter_check.ts";

const FAILING_FIXTURE = new URL("../fixtures/notebooks/failing/01_throws.ipynb", import.meta.url)
  .pathname;

Deno.test("notebook test names the file, cell, first line and error of a failing chapter", async () => {
  const run = await runChapter(FAILING_FIXTURE);
  assert.throws(() => checkExecutedChapter(run), (error: Error) => {
    const lines = error.message.split("\n");
    assert.equal(
      lines[0],
      "Cannot run 01_throws.ipynb: cell 2 failed (first line: `// This cell fails on purpose.`)",
    );
    assert.equal(lines[1], "RangeError: answer is 42, expected 41");
    assert.match(lines[2] ?? "", /^\s+at /);
    assert.ok(lines.length <= 10, error.message);
    assert.doesNotMatch(error.message, /"cell_type"|"outputs"/);
    return true;
  });
  // Execution stopped at the failure: the cell after it never ran.
  const after = run.notebook.cells[3];
  assert.equal(after?.outputs?.length ?? 0, 0);
});

const LATE_FIXTURE = new URL("../fixtures/notebooks/late/01_late_outputs.ipynb", import.meta.url)
  .pathname;

Deno.test("the executor lists outputs that did not arrive while their cell ran, and the library's wait leaves none", async () => {
  const run = await runChapter(LATE_FIXTURE);
  assert.equal(run.failure, null);
  // Cell 2 queues forty displays of 250 kB and ends at once: the kernel reports it finished
  // before it has sent them all. Cell 3 queues the same through the library and waits for
  // what it counted; the 25 ms floor alone is too short for this burst, and fails here.
  const strayFrom = (cell: number) => run.strayOutputs.filter((stray) => stray.cell === cell);
  assert.ok(strayFrom(2).length > 0, "expected outputs from cell 2 to come after it finished");
  assert.ok(strayFrom(2).every((stray) => stray.when === "after-finish"));
  assert.deepEqual(strayFrom(3), []);
  // The executor waits for the kernel to fall silent before the next cell, so each cell
  // keeps its own forty.
  assert.deepEqual(run.notebook.cells.map((cell) => cell.outputs?.length ?? 0), [0, 0, 40, 40]);
});

const chapters = await listNotebooks(Deno.env.get("NOTEBOOKS_DIR") || NOTEBOOKS_DIR);
const refs: ChapterRef[] = await Promise.all(chapters.map(async (path) => ({
  slug: chapterSlug(path),
  title: notebookTitle(await readNotebook(path), chapterSlug(path)),
})));

// Chapters run two at a time: each test starts its own chapter and the next one, then
// waits for its own. Tests in a file run in order, so at most two kernels are busy.
const runs = new Map<number, Promise<ExecutedNotebook>>();
function start(index: number): Promise<ExecutedNotebook> | undefined {
  const path = chapters[index];
  if (path === undefined) return undefined;
  let run = runs.get(index);
  if (run === undefined) {
    run = runChapter(path);
    // Awaited by its own test; this keeps an early failure from being "unhandled".
    run.catch(() => {});
    runs.set(index, run);
  }
  return run;
}

for (const [index, path] of chapters.entries()) {
  Deno.test({
    name: `chapter ${basename(path)} runs in the Deno kernel and exports with its figures`,
    // The next chapter's kernel is started here on purpose and finished by the next test.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const run = start(index);
      start(index + 1);
      const executed = await run!;
      checkExecutedChapter(executed, { previous: refs[index - 1], next: refs[index + 1] });
      const values = cellsShowingTheirValue(executed.notebook);
      assert.deepEqual(
        values,
        [],
        `${basename(path)} shows cell values, which a standard client can lose: ` +
          `end these with \`await show(...)\`: ${values.join(", ")}`,
      );
      const stray = strayOutputsOf(executed);
      assert.deepEqual(
        stray,
        [],
        `${basename(path)} has outputs that did not arrive while their cell ran, which a ` +
          `standard client would lose or show under another cell: ${stray.join(", ")}`,
      );
    },
  });
}

if (chapters.length === 0) {
  Deno.test({ name: "chapters: none in notebooks/ yet", ignore: true, fn() {} });
}
