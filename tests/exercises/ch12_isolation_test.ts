import assert from "node:assert/strict";
import { checkSnapshotCommitRule, checkWriteSkewHistory } from "../../lib/exercises/mod.ts";
import { firstCommitterWins } from "../../lib/transactions/mod.ts";

const DATA = new URL("../../data/transactions/", import.meta.url);
const load = (name: string) => JSON.parse(Deno.readTextFileSync(new URL(`${name}.json`, DATA)));

Deno.test("checkWriteSkewHistory accepts write skew and shows its cycle", () => {
  const result = checkWriteSkewHistory(load("write_skew"));
  assert.equal(result.passed, true, String(result));
  assert.equal(result.figures.length, 1);
});

Deno.test("checkWriteSkewHistory refuses other anomalies, serializable and malformed histories", () => {
  for (const name of ["serial", "lost_update", "read_skew", "g1a_aborted_read", "stale_read"]) {
    assert.equal(checkWriteSkewHistory(load(name)).passed, false, name);
  }
  assert.match(
    String(checkWriteSkewHistory(load("serial"))),
    /no anomaly: the history is serializable/,
  );
  assert.match(
    String(checkWriteSkewHistory(load("lost_update"))),
    /G-single, lost-update, but no G2-item/,
  );
  const malformed = checkWriteSkewHistory([{ process: 0, type: "ok", f: "txn", value: [] }]);
  assert.equal(malformed.passed, false);
  assert.match(String(malformed), /without an open invoke/);
});

Deno.test("checkWriteSkewHistory refuses write skew mixed with a lost update", () => {
  const history = [
    ...load("write_skew").slice(0, 4),
    { process: 5, type: "invoke", f: "txn", value: [["r", "z", null], ["append", "z", 1]] },
    { process: 6, type: "invoke", f: "txn", value: [["r", "z", null], ["append", "z", 2]] },
    { process: 5, type: "ok", f: "txn", value: [["r", "z", []], ["append", "z", 1]] },
    { process: 6, type: "ok", f: "txn", value: [["r", "z", []], ["append", "z", 2]] },
    ...load("write_skew").slice(4),
    { process: 7, type: "invoke", f: "txn", value: [["r", "z", null]] },
    { process: 7, type: "ok", f: "txn", value: [["r", "z", [1, 2]]] },
  ];
  const result = checkWriteSkewHistory(history);
  assert.equal(result.passed, false);
  assert.match(String(result), /snapshot isolation would forbid/);
});

Deno.test("checkSnapshotCommitRule accepts first-committer-wins", () => {
  const result = checkSnapshotCommitRule(firstCommitterWins);
  assert.equal(result.passed, true, String(result));
});

Deno.test("checkSnapshotCommitRule refuses a rule that lets every transaction commit", () => {
  const result = checkSnapshotCommitRule(() => true);
  assert.equal(result.passed, false);
  assert.match(String(result), /lost-update|G-single/);
});

Deno.test("checkSnapshotCommitRule refuses rules that are too strict, off by one, or not functions", () => {
  assert.match(String(checkSnapshotCommitRule(() => false)), /Only 0 of/);
  // Off by one: lets through a key committed by the first commit after the transaction began.
  const loose = checkSnapshotCommitRule((start, latest) => latest.every((ts) => ts <= start + 1));
  assert.equal(loose.passed, false);
  assert.equal(checkSnapshotCommitRule("yes" as never).passed, false);
  const throws = checkSnapshotCommitRule(() => {
    throw new Error("boom");
  });
  assert.match(String(throws), /Run 1 threw: .*boom/);
});
