/**
 * The chapters as a reader meets them in JupyterLab 4: every `notebooks/*.ipynb` opened in
 * JupyterLab in headless Chromium, run with _Run → Run All Cells_, and checked cell by cell
 * against the project's executor: no cell failed, every output is there and in its own cell
 * (the same outputs, each result with its cell's execution count; a progress display that
 * never reached "done" differs from the executor's and fails too), and every figure is
 * drawn as SVG, all on the first Run All. Then one try-it knob is changed and the cell re-run, which must redraw its
 * figure. A screenshot of each chapter's edited try-it cell goes to
 * `dist/screenshots/lab_NN_slug.png`.
 *
 * ```sh
 * deno task test:lab
 * ```
 *
 * It needs Chromium (`/usr/bin/chromium`, or `CHROMIUM_PATH`) and installs JupyterLab into
 * `.venv/` with pip when it is missing. The server and its kernels are stopped at the end
 * whatever happens.
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { executeNotebook, NOTEBOOKS_DIR, REPO_ROOT } from "../../tools/jupyter.ts";
import { ensureJupyterLab } from "../../tools/lab.ts";
import { chapterSlug, joinText, listNotebooks, readNotebook } from "../../tools/notebook_json.ts";
import { compareOutputs } from "../../tools/output_audit.ts";
import { launchChromium } from "./chromium.ts";
import {
  asNotebook,
  frameCell,
  JupyterLabServer,
  openNotebook,
  readCells,
  runCommand,
  setCellSource,
  waitUntilSettled,
} from "./jupyterlab.ts";
import { applyKnobEdit, chooseKnobEdit, isTryItCell } from "./try_it.ts";
import type { Page } from "playwright-core";
import { createNotebookWorkspace } from "./workspace.ts";

/** Maps `items` through `work` with at most two calls in flight; results keep the items' order. */
async function mapTwoAtATime<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

/** Runs every cell of the open chapter and reads the cells back; no cell may fail. */
async function runAll(page: Page, slug: string): Promise<Awaited<ReturnType<typeof readCells>>> {
  await runCommand(page, "notebook:run-all-cells");
  await waitUntilSettled(page, `run every cell of ${slug}`, RUN_ALL_TIMEOUT_MS);
  const cells = await readCells(page);
  const failed = cells.filter((cell) =>
    cell.outputs.some((output) => output.output_type === "error")
  );
  assert.deepEqual(failed.map((cell) => cell.index), [], `${slug}: cells failed`);
  return cells;
}

const chapters = await listNotebooks(Deno.env.get("NOTEBOOKS_DIR") || NOTEBOOKS_DIR);
const SCREENSHOTS_DIR = join(REPO_ROOT, "dist", "screenshots");
const RUN_ALL_TIMEOUT_MS = 600_000;

Deno.test({
  name: "every chapter runs in JupyterLab with every output in its own cell and a try-it redraw",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await ensureJupyterLab();
    const workspace = await createNotebookWorkspace(chapters);
    // The reference: the same copies, run by the project's executor, two at a time (as the
    // notebook test does): a kernel per chapter all at once can starve one past its start-up.
    const references = await mapTwoAtATime(workspace.notebooks, async (relative) => {
      const run = await executeNotebook(join(workspace.rootDir, relative), {
        displayName: basename(relative),
      });
      assert.equal(run.failure, null, `${basename(relative)} fails under the project's executor`);
      return run.notebook;
    });
    const server = await JupyterLabServer.start({ rootDir: workspace.rootDir });
    const browser = await launchChromium({
      userDataDir: await workspace.scratchDir("chromium"),
      viewport: { width: 1280, height: 900 },
    });
    await Deno.mkdir(SCREENSHOTS_DIR, { recursive: true });
    try {
      for (const [index, path] of chapters.entries()) {
        const slug = chapterSlug(path);
        await t.step(slug, async () => {
          const page = await browser.newPage();
          try {
            await openNotebook(page, server.notebookUrl(workspace.notebooks[index]!), 180_000);
            const cells = await runAll(page, slug);
            // Every output in its own cell on the first Run All: the library waits for Deno's
            // kernel to send what a cell queued before the cell ends (lib/viz/jupyter.ts).
            const differences = compareOutputs(references[index]!, asNotebook(cells));
            assert.deepEqual(
              differences.map((d) => `cell ${d.cellIndex} (${d.firstLine}): ${d.kind} ${d.output}`),
              [],
              `${slug}: outputs differ from the project's executor`,
            );
            const figures = cells.filter((cell) =>
              cell.outputs.some((output) =>
                output.output_type !== "stream" && output.output_type !== "error" &&
                /<svg/.test(joinText(output.data["text/html"] as string | string[] | undefined))
              )
            );
            for (const cell of figures) {
              assert.ok(cell.svgElements > 0, `${slug}: cell ${cell.index} draws no SVG`);
            }

            // Try it: turn one knob and run the cell again.
            const source = await readNotebook(path);
            const tryIt = source.cells.flatMap((cell, cellIndex) => {
              if (!isTryItCell(cell)) return [];
              const edit = chooseKnobEdit(joinText(cell.source));
              const hasFigure = figures.some((figure) => figure.index === cellIndex);
              return edit === null
                ? []
                : [{ cellIndex, edit, hasFigure, text: joinText(cell.source) }];
            }).sort((a, b) => Number(b.hasFigure) - Number(a.hasFigure))[0];
            if (tryIt === undefined) return;
            const before = JSON.stringify(cells[tryIt.cellIndex]!.outputs);
            await setCellSource(page, tryIt.cellIndex, applyKnobEdit(tryIt.text, tryIt.edit));
            await runCommand(page, "notebook:run-cell");
            await waitUntilSettled(page, `re-run the try-it cell of ${slug}`, 120_000);
            const after = (await readCells(page))[tryIt.cellIndex]!;
            assert.ok(
              !after.outputs.some((output) => output.output_type === "error"),
              `${slug}: the try-it cell fails after ${tryIt.edit.name} = ${tryIt.edit.after}`,
            );
            if (tryIt.hasFigure) {
              assert.notEqual(
                JSON.stringify(after.outputs),
                before,
                `${slug}: ${tryIt.edit.name} = ${tryIt.edit.after} did not change the figure`,
              );
            }
            await page.setViewportSize({ width: 1280, height: 1300 });
            await frameCell(page, tryIt.cellIndex);
            await page.waitForTimeout(500);
            await page.screenshot({ path: join(SCREENSHOTS_DIR, `lab_${slug}.png`) });
          } finally {
            await page.close();
          }
        });
      }
    } finally {
      await browser.close().catch(() => {});
      await server.stop();
      await workspace.remove();
    }
  },
});
