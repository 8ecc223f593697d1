/**
 * The same seed gives the same page, byte for byte: no chapter reads the wall clock, and a
 * chapter exported twice gives identical HTML.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exportChapters } from "../../tools/export.ts";
import { NOTEBOOKS_DIR } from "../../tools/jupyter.ts";
import { joinText, listNotebooks, readNotebook } from "../../tools/notebook_json.ts";

/** Calls that read the wall clock; what they return changes from run to run. */
const WALL_CLOCK = /\bperformance\.now\s*\(|\bDate\.now\s*\(|\bnew\s+Date\s*\(|\bDeno\.hrtime\b/;

/** Every code cell of every chapter that reads the wall clock, as "file cell N: line". */
async function wallClockReads(notebooksDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const path of await listNotebooks(notebooksDir)) {
    const notebook = await readNotebook(path);
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      for (const line of joinText(cell.source).split("\n")) {
        if (WALL_CLOCK.test(line)) {
          found.push(`${path.split("/").pop()} cell ${index + 1}: ${line.trim()}`);
        }
      }
    }
  }
  return found;
}

Deno.test("no chapter reads the wall clock, so nothing on a page depends on it", async () => {
  assert.deepEqual(await wallClockReads(NOTEBOOKS_DIR), []);
});

Deno.test("wallClockReads finds a timed cell", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cell = (source: string) => ({
      cell_type: "code",
      execution_count: null,
      id: "c",
      metadata: {},
      outputs: [],
      source,
    });
    await Deno.writeTextFile(
      join(dir, "01_timed.ipynb"),
      JSON.stringify({
        cells: [
          cell("const x = 1;"),
          cell("const started = performance.now();\nrun();\nconsole.log(Date.now() - 1);"),
        ],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      }),
    );
    assert.deepEqual(await wallClockReads(dir), [
      "01_timed.ipynb cell 2: const started = performance.now();",
      "01_timed.ipynb cell 2: console.log(Date.now() - 1);",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a chapter exported twice gives the same page and scripts, byte for byte", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Two kernels at once, each on a fresh process, as two readers' exports would be.
    const pages = await Promise.all(["first", "second"].map(async (run) => {
      const outDir = join(dir, run);
      const result = await exportChapters({ chapters: ["00"], outDir, log: () => {} });
      assert.deepEqual(result.failures, []);
      const page = result.written.find((path) =>
        path.endsWith(".html") && !path.endsWith("index.html")
      );
      assert.ok(page, `no page written in ${outDir}`);
      const scripts = result.written.filter((path) => path.endsWith(".js")).sort();
      assert.equal(scripts.length, 2, "the worker and the page script");
      return [page, ...scripts].map((path) => Deno.readTextFileSync(path));
    }));
    assert.ok(pages[0]![0]!.includes("<svg"), "the page has figures");
    for (const [index, text] of pages[0]!.entries()) {
      assert.ok(text === pages[1]![index], `the two exports differ (file ${index})`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
