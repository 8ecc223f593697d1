import assert from "node:assert/strict";
import {
  executeNotebook,
  findCellFailure,
  formatCellFailure,
  mapLimit,
  NotebookExecutionError,
} from "../../tools/jupyter.ts";
import {
  type Cell,
  type DataOutput,
  joinText,
  type Notebook,
  stripAnsi,
} from "../../tools/notebook_json.ts";

function notebook(cells: Cell[]): Notebook {
  return { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 };
}

const failing: Cell = {
  cell_type: "code",
  source: ["\n", "  const sim = new Simulation({ seed: 1.5 });\n", "sim.run();"],
  metadata: {},
  outputs: [{
    output_type: "error",
    ename: "\u001b[31mConfigError\u001b[0m",
    evalue: "seed: must be an integer",
    traceback: [
      "\u001b[31mConfigError\u001b[0m: seed: must be an integer",
      ...Array.from({ length: 12 }, (_, i) => `    at frame${i} (file:///lib/x.ts:${i}:1)`),
    ],
  }],
};

Deno.test("findCellFailure names the first failing code cell with its first line and error", () => {
  const failure = findCellFailure(
    notebook([
      { cell_type: "markdown", source: "# Title", metadata: {} },
      { cell_type: "code", source: "1", metadata: {}, outputs: [] },
      failing,
      { ...failing, source: "later()" },
    ]),
    "03_clocks.ipynb",
  );
  assert.ok(failure);
  assert.equal(failure.path, "03_clocks.ipynb");
  assert.equal(failure.cellIndex, 2);
  assert.equal(failure.firstLine, "const sim = new Simulation({ seed: 1.5 });");
  assert.equal(failure.ename, "ConfigError");
  assert.equal(failure.evalue, "seed: must be an integer");
  assert.equal(failure.tracebackTail.length, 8);
  assert.equal(failure.tracebackTail.at(-1), "    at frame11 (file:///lib/x.ts:11:1)");
  assert.ok(!failure.tracebackTail.some((line) => line.includes("must be an integer")));
});

Deno.test("findCellFailure skips cells tagged raises-exception and clean notebooks", () => {
  const expected = { ...failing, metadata: { tags: ["raises-exception"] } };
  assert.equal(findCellFailure(notebook([expected]), "x.ipynb"), null);
  assert.equal(findCellFailure(notebook([]), "x.ipynb"), null);
});

Deno.test("formatCellFailure puts file, cell index, first line and error on the first lines", () => {
  const failure = findCellFailure(notebook([failing]), "03_clocks.ipynb");
  assert.ok(failure);
  const lines = formatCellFailure(failure).split("\n");
  assert.equal(
    lines[0],
    "Cannot run 03_clocks.ipynb: cell 0 failed (first line: `const sim = new Simulation({ seed: 1.5 });`)",
  );
  assert.equal(lines[1], "ConfigError: seed: must be an integer");
  assert.equal(lines.length, 10);
  assert.equal(new NotebookExecutionError(failure).message, lines.join("\n"));
});

Deno.test("mapLimit keeps order and never runs more than the limit at once", async () => {
  let running = 0;
  let peak = 0;
  const results = await mapLimit([5, 1, 4, 2, 3], 2, async (delay, index) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, delay));
    running--;
    return `${index}:${delay}`;
  });
  assert.deepEqual(results, ["0:5", "1:1", "2:4", "3:2", "4:3"]);
  assert.equal(peak, 2);
  await assert.rejects(() => mapLimit([1], 0, (x) => Promise.resolve(x)), RangeError);
});

async function withNotebook(
  sources: string[],
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/scratch.ipynb`;
    const cells = sources.map((source, i) => ({
      cell_type: "code",
      execution_count: null,
      id: `c${i}`,
      metadata: {},
      outputs: [],
      source,
    }));
    await Deno.writeTextFile(
      path,
      JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    );
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("executeNotebook keeps every cell's value and reports a timeout in its cell", async () => {
  // Deno's kernel sometimes sends a value after the cell's idle status; none may be lost.
  const values = Array.from({ length: 20 }, (_, i) => `${i} * 3`);
  await withNotebook(
    // The cell sleeps far longer than the bound below, which leaves room for a slow start
    // (nbconvert from a fresh .venv takes seconds to import) but not for waiting on it.
    [...values, "await new Promise((r) => setTimeout(r, 180_000));", "1"],
    async (path) => {
      const run = await executeNotebook(path, { cellTimeoutMs: 1000 });
      const shown = run.notebook.cells.slice(0, 20).map((cell) =>
        stripAnsi(
          joinText(
            (cell.outputs?.find((output) => output.output_type === "execute_result") as
              | DataOutput
              | undefined)?.data["text/plain"] as string[] | undefined,
          ),
        )
      );
      assert.deepEqual(shown, values.map((_, i) => String(i * 3)));
      assert.equal(run.failure?.cellIndex, 20);
      assert.equal(run.failure?.ename, "CellTimeoutError");
      assert.equal(run.notebook.cells[21]?.outputs?.length, 0);
      assert.ok(run.durationMs < 90_000, `waited for the timed-out cell: ${run.durationMs} ms`);
    },
  );
});

Deno.test("executeNotebook reports a kernel that dies as the failure of its cell", async () => {
  await withNotebook(["const x = 1;", "Deno.exit(3);", "x"], async (path) => {
    const run = await executeNotebook(path);
    assert.equal(run.failure?.cellIndex, 1);
    assert.equal(run.failure?.firstLine, "Deno.exit(3);");
    assert.equal(run.failure?.ename, "DeadKernelError");
  });
});
