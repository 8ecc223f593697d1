import assert from "node:assert/strict";
import { CellRunner, valueBundle } from "../../web/cell_runner.ts";
import { inspect } from "../../web/inspect.ts";
import { pageSink } from "../../web/host/page_sink.ts";
import type { FromWorker } from "../../web/messages.ts";

const runs: string[] = [];
const MODULES = {
  "lib/mod.ts": {
    /** Records that it ran, so a test can count runs of the cell that calls it. */
    trace: (name: string) => runs.push(name),
    figure: (title: string) => ({
      [Symbol.for("Jupyter.display")]: () => ({ "text/html": `<figure>${title}</figure>` }),
    }),
    /** Reports like a library sweep in a browser page: progress, then a display. */
    sweep: (total: number) => {
      for (let done = 0; done <= total; done++) {
        pageSink()?.progress({
          label: "toy",
          done,
          total,
          rows: done,
          points: 1,
          seeds: total,
          status: done === total ? "done" : "running",
        });
      }
      pageSink()?.display({ "text/plain": "swept" });
      return total;
    },
  },
};

const CELLS = [
  { index: 1, source: 'import { trace, figure, sweep } from "../lib/mod.ts";\nconst SEED = 7;' },
  { index: 3, source: 'trace("expensive");\nconst big = SEED * 100;' },
  { index: 4, source: 'trace("helper");\nconst helper = (x: number) => x + SEED;' },
  {
    index: 6,
    source:
      '// Try it\nconst SEED_TRY = 1;\nconsole.log("seed", SEED_TRY);\nfigure(`seed ${helper(SEED_TRY)}`)',
  },
  { index: 7, source: "// Try it\nconst N = 3;\nsweep(N)" },
];

function runner() {
  const messages: FromWorker[] = [];
  let now = 0;
  const cells = new CellRunner({
    modules: MODULES,
    post: (message) => messages.push(message),
    clock: () => (now += 5),
    progressEveryMs: 0,
  });
  cells.load(CELLS);
  return { cells, messages };
}

Deno.test("a Try it cell runs after only the earlier cells it needs, each once per runner", async () => {
  runs.length = 0;
  const { cells, messages } = runner();
  await cells.run(1, 6);
  assert.deepEqual(runs, ["helper"]);
  assert.deepEqual(cells.ran, [1, 4, 6]);
  const done = messages.at(-1);
  assert.ok(done?.type === "done" && done.ok);
  assert.deepEqual(done.ranFirst, [1, 4]);
  assert.deepEqual(
    messages.filter((m) => m.type === "stream" || m.type === "display"),
    [
      { type: "stream", runId: 1, name: "stdout", text: "seed 1\n" },
      { type: "display", runId: 1, bundle: { "text/html": "<figure>seed 8</figure>" } },
    ],
  );
  await cells.run(2, 6, CELLS[3]!.source.replace("SEED_TRY = 1", "SEED_TRY = 2"));
  assert.deepEqual(runs, ["helper"]);
  assert.deepEqual(messages.filter((m) => m.runId === 2 && m.type === "display"), [
    { type: "display", runId: 2, bundle: { "text/html": "<figure>seed 9</figure>" } },
  ]);
});

Deno.test("displays and progress from library code reach the page through the sink", async () => {
  const { cells, messages } = runner();
  await cells.run(1, 7);
  const progress = messages.filter((m) => m.type === "progress");
  assert.equal(progress.length, 4);
  assert.deepEqual(messages.filter((m) => m.type === "display").map((m) => m.bundle), [
    { "text/plain": "swept" },
    { "text/plain": "3" },
  ]);
  assert.equal(pageSink(), undefined);
});

Deno.test("an error names the cell, its line and shows the line", async () => {
  const { cells, messages } = runner();
  await cells.run(1, 6, "// Try it\nconst SEED_TRY = 1;\nnotDefined(SEED_TRY)");
  const error = messages.find((m) => m.type === "error");
  assert.ok(error?.type === "error");
  assert.equal(error.error.index, 6);
  assert.equal(error.error.line, 3);
  assert.equal(error.error.ename, "ReferenceError");
  assert.match(error.error.text, /line 3 of this cell:\n {2}3 \| notDefined\(SEED_TRY\)\n {6}\^/);
  const done = messages.at(-1);
  assert.ok(done?.type === "done" && !done.ok);
});

Deno.test("a syntax error is reported without running anything", async () => {
  runs.length = 0;
  const { cells, messages } = runner();
  await cells.run(1, 6, "// Try it\nconst SEED_TRY = ;");
  assert.deepEqual(runs, []);
  const error = messages.find((m) => m.type === "error");
  assert.ok(error?.type === "error");
  assert.equal(error.error.ename, "SyntaxError");
  assert.equal(error.error.line, 2);
  assert.match(error.error.text, /line 2 of this cell:\n {2}2 \| const SEED_TRY = ;/);
});

Deno.test("a value shows its Jupyter display, anything else as text", async () => {
  assert.deepEqual(await valueBundle(MODULES["lib/mod.ts"].figure("x")), {
    "text/html": "<figure>x</figure>",
  });
  assert.deepEqual(await valueBundle("hi"), { "text/plain": '"hi"' });
  assert.equal(
    inspect({ a: 1, b: [1, 2], c: "x", d: new Map([[1, 2]]) }),
    '{ a: 1, b: [ 1, 2 ], c: "x", d: Map(1) { 1 => 2 } }',
  );
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.equal(inspect(cycle), "{ self: [Circular] }");
});

Deno.test("an earlier cell edited in the page runs again with its new code", async () => {
  runs.length = 0;
  const { cells, messages } = runner();
  await cells.run(1, 6);
  const edited = 'trace("helper edited");\nconst helper = (x: number) => x + SEED + 100;';
  await cells.run(2, 6, undefined, { 4: edited });
  assert.deepEqual(runs, ["helper", "helper edited"]);
  assert.deepEqual(messages.filter((m) => m.runId === 2 && m.type === "display"), [
    { type: "display", runId: 2, bundle: { "text/html": "<figure>seed 108</figure>" } },
  ]);
  // Unchanged since it last ran: not run again.
  await cells.run(3, 6, undefined, { 4: edited });
  assert.equal(runs.length, 2);
});
