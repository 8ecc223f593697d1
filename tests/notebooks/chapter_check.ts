/**
 * What the notebook test asserts about one chapter, shared by the test over `notebooks/`
 * and the tests that prove it on fixtures: the chapter runs through the real Deno kernel
 * without a failing cell, and its exported page shows every figure and loads nothing from
 * the network.
 *
 * @module
 */
import assert from "node:assert/strict";
import { basename } from "node:path";
import {
  type ChapterRef,
  countSvgElements,
  figureOutputCount,
  findRemoteResources,
  renderChapterPage,
} from "../../tools/html_page.ts";
import { type ExecutedNotebook, executeNotebook, formatCellFailure } from "../../tools/jupyter.ts";
import { chapterSlug, firstSourceLine, type Notebook } from "../../tools/notebook_json.ts";

/** What a passing chapter showed. */
export interface ChapterCheck {
  /** Figure outputs in the executed notebook. */
  readonly figures: number;
  /** `<svg` elements in the rendered page. */
  readonly svgElements: number;
  /** The rendered page. */
  readonly html: string;
}

/**
 * Executes a chapter through the Deno kernel, naming it by file name in any failure.
 *
 * @throws {NotebookExecutionError} if Jupyter cannot run it at all.
 */
export function runChapter(path: string): Promise<ExecutedNotebook> {
  return executeNotebook(path, { displayName: basename(path) });
}

/**
 * Asserts that an executed chapter passed and that its exported page is complete.
 *
 * @throws {AssertionError} naming the file, the failing cell and its error, or what the page
 *   lacks.
 */
export function checkExecutedChapter(
  run: ExecutedNotebook,
  neighbours: { previous?: ChapterRef; next?: ChapterRef } = {},
): ChapterCheck {
  const file = basename(run.path);
  if (run.failure) assert.fail(formatCellFailure(run.failure));
  const html = renderChapterPage(run.notebook, { slug: chapterSlug(run.path), ...neighbours });
  const figures = figureOutputCount(run.notebook);
  const svgElements = countSvgElements(html);
  assert.ok(figures >= 1, `${file} shows no figure: every chapter plots its experiment`);
  assert.ok(
    svgElements >= figures,
    `${file} has ${figures} figure outputs but its exported page only ${svgElements} <svg> elements`,
  );
  const remote = findRemoteResources(html);
  assert.deepEqual(
    remote,
    [],
    `${file}'s exported page would load from the network: ${remote.join(", ")}`,
  );
  return { figures, svgElements, html };
}

/**
 * The code cells whose output is their value (an `execute_result`), each as "cell N
 * (`first line`)". Deno's kernel sends a value after the cell may already have been
 * reported finished, so a standard client can drop it or file it under the next cell;
 * chapters end such cells with `await show(...)` instead.
 */
export function cellsShowingTheirValue(notebook: Notebook): string[] {
  const found: string[] = [];
  for (const [index, cell] of notebook.cells.entries()) {
    if (cell.outputs?.some((output) => output.output_type === "execute_result")) {
      found.push(`cell ${index} (\`${firstSourceLine(cell, 60)}\`)`);
    }
  }
  return found;
}

/**
 * The outputs that did not arrive while their cell ran, each as "cell N (`first line`):
 * message type, after the cell finished" (or "before the cell started": an earlier cell's
 * output stamped with this cell's request). A standard client (nbconvert, JupyterLab, VS
 * Code) would have lost each of these or shown it under the wrong cell.
 */
export function strayOutputsOf(executed: ExecutedNotebook): string[] {
  return executed.strayOutputs.map(({ cell, messageType, when }) => {
    const source = executed.notebook.cells[cell];
    const line = source === undefined ? "?" : firstSourceLine(source, 60);
    const why = when === "after-finish" ? "after the cell finished" : "before the cell started";
    return `cell ${cell} (\`${line}\`): ${messageType}, ${why}`;
  });
}
