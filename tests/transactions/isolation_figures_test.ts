import assert from "node:assert/strict";
import { anomalyMatrix, checkTransactions, cycleFigure } from "../../lib/transactions/mod.ts";

const load = (name: string) =>
  checkTransactions(
    JSON.parse(
      Deno.readTextFileSync(new URL(`../../data/transactions/${name}.json`, import.meta.url)),
    ),
  );

Deno.test("cycleFigure draws each transaction with its reads and each edge with its kind and key", () => {
  const result = load("write_skew");
  const html = cycleFigure(result, result.anomalies[0]!).html;
  for (const text of ["T1", "T2", "rw x", "rw y", "append x 1", "r y []", "G2-item"]) {
    assert.ok(html.includes(text), `missing ${text}`);
  }
  assert.equal(html, cycleFigure(result, result.anomalies[0]!).html, "the same figure twice");
});

Deno.test("cycleFigure refuses an anomaly that is not a cycle", () => {
  const result = load("g1a_aborted_read");
  assert.throws(
    () => cycleFigure(result, result.anomalies[0]!),
    /Cannot draw G1a: it is not a cycle/,
  );
});

Deno.test("anomalyMatrix labels each cell with the runs that showed the anomaly", () => {
  const html = anomalyMatrix([
    { isolation: "none", anomaly: "dirty-read", found: true },
    { isolation: "none", anomaly: "dirty-read", found: false },
    { isolation: "read-committed", anomaly: "dirty-read", found: false },
  ]).html;
  assert.ok(html.includes("1 of 2"));
  assert.ok(html.includes("0 of 1"));
});
