/**
 * Speed of running chapter cells the way an exported page does (web/cell_runner.ts): the
 * cell transform of every code cell of chapter 00 (sucrase, acorn and the rewrite; target:
 * well under 100 ms for a chapter, since a page transforms the cells a run needs on its
 * first run), and chapter 00's Try it cell re-run in a warm runner (target: within 1.5x of
 * the same cell in the Deno kernel, about 60 ms).
 *
 * @module
 */
import { transformCell } from "../web/cell_transform.ts";
import { CellRunner } from "../web/cell_runner.ts";
import { LIB_MODULES } from "../web/lib_registry.ts";
import { fileURLToPath } from "node:url";
import { joinText, readNotebook } from "../tools/notebook_json.ts";
import type { BenchReport } from "./report.ts";

const notebook = await readNotebook(
  fileURLToPath(new URL("../notebooks/00_welcome.ipynb", import.meta.url)),
);
const cells = notebook.cells.flatMap((cell, index) =>
  cell.cell_type === "code" ? [{ index, source: joinText(cell.source) }] : []
);
const tryIt = cells.find((cell) => cell.source.trimStart().startsWith("// Try it"))!;
const modules = Object.keys(LIB_MODULES);

const runner = new CellRunner({ modules: LIB_MODULES, post: () => {} });
runner.load(cells);
let runId = 0;

/** One JSON line per scenario: milliseconds per run. */
export const REPORTS: readonly BenchReport[] = ["transform-chapter-00", "try-it-00-warm"].map((
  name,
) => ({
  name,
  line: (meanNs: number) => ({ name, ms_per_run: Math.round((meanNs / 1e6) * 10) / 10 }),
}));

Deno.bench({
  name: "transform-chapter-00",
  group: "web",
  n: 20,
  fn: () => {
    for (const cell of cells) transformCell(cell.source, { modules });
  },
});

Deno.bench({
  name: "try-it-00-warm",
  group: "web",
  n: 10,
  fn: async () => {
    await runner.run(++runId, tryIt.index);
  },
});
