import assert from "node:assert/strict";
import type { Cell, Notebook, Output } from "../../tools/notebook_json.ts";
import { cellOutputKeys, compareOutputs, outputKey } from "../../tools/output_audit.ts";

function notebook(...cells: { count: number; outputs: Output[] }[]): Notebook {
  return {
    cells: cells.map(({ count, outputs }): Cell => ({
      cell_type: "code",
      source: `cell ${count}`,
      metadata: {},
      execution_count: count,
      outputs,
    })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const figure = (title: string, count: number): Output => ({
  output_type: "execute_result",
  execution_count: count,
  data: { "text/html": "<svg></svg>", "text/plain": `Figure 640×400: ${title}` },
});
const log = (text: string): Output => ({ output_type: "stream", name: "stdout", text });

Deno.test("outputKey masks digits and keeps type, MIME types and the first line", () => {
  assert.equal(
    outputKey(figure("p99 at 12.5 ms", 3)),
    "execute_result:text/html,text/plain:Figure #×#: p# at #.# ms",
  );
  assert.equal(outputKey(log("a\nb")), "stream:stdout");
  assert.deepEqual(
    cellOutputKeys({ cell_type: "code", source: "", outputs: [log("a"), log("b")] }),
    [
      "stream:stdout",
    ],
  );
});

Deno.test("compareOutputs finds nothing when every cell has its own outputs", () => {
  const reference = notebook({ count: 1, outputs: [log("x"), figure("A", 1)] }, {
    count: 2,
    outputs: [figure("B", 2)],
  });
  assert.deepEqual(compareOutputs(reference, reference), []);
});

Deno.test("compareOutputs reports a missing output and one filed under the next cell", () => {
  const reference = notebook({ count: 1, outputs: [figure("A", 1)] }, {
    count: 2,
    outputs: [figure("B", 2)],
  });
  const candidate = notebook({ count: 1, outputs: [] }, {
    count: 2,
    outputs: [figure("A", 2), figure("B", 2)],
  });
  assert.deepEqual(
    compareOutputs(reference, candidate).map(({ cellIndex, kind }) => [cellIndex, kind]),
    [[0, "missing"], [1, "misfiled"]],
  );
});

Deno.test("compareOutputs reports a result stamped with another execution count", () => {
  const reference = notebook({ count: 1, outputs: [figure("A", 1)] });
  const candidate = notebook({ count: 1, outputs: [figure("A", 2)] });
  const differences = compareOutputs(reference, candidate);
  assert.equal(differences.length, 1);
  assert.equal(differences[0]?.kind, "misfiled");
  assert.match(differences[0]!.output, /execution count 2/);
});
