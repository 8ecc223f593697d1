import assert from "node:assert/strict";
import { findExperiment, raftKv } from "../../lib/mod.ts";
import type { RaftKvRow } from "../../lib/consensus/mod.ts";

function rows(faultsPerSecond: number, seeds: number): RaftKvRow[] {
  return Array.from({ length: seeds }, (_, i) => raftKv.run({ faultsPerSecond }, i + 1)[0]!);
}
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

Deno.test("raft-kv is registered and runs with its defaults", () => {
  assert.equal(findExperiment("raft-kv"), raftKv);
  const [row] = raftKv.run({}, 1);
  assert.deepEqual(Object.keys(row!), [
    "faultsPerSecond",
    "unsafe",
    "okOps",
    "failOps",
    "infoOps",
    "throughputOpsPerSec",
    "latencyP50Ms",
    "latencyP99Ms",
    "linearizable",
    "violation",
    "elections",
    "maxTerm",
    "recoveryMs",
  ]);
});

Deno.test("raft-kv: faults cost throughput and tail latency, never linearizability", () => {
  const calm = rows(0, 8), stormy = rows(15, 8);
  for (const row of [...calm, ...stormy]) {
    assert.equal(row.linearizable, true);
    assert.equal(row.violation, null);
  }
  assert.ok(
    mean(stormy.map((r) => r.throughputOpsPerSec)) < mean(calm.map((r) => r.throughputOpsPerSec)),
  );
  assert.ok(
    mean(stormy.map((r) => r.latencyP99Ms!)) > 2 * mean(calm.map((r) => r.latencyP99Ms!)),
  );
  assert.ok(mean(stormy.map((r) => r.elections)) > mean(calm.map((r) => r.elections)));
});

Deno.test("raft-kv: the unsafe local read shows up in the linearizability column", () => {
  const verdicts = Array.from(
    { length: 30 },
    (_, i) => raftKv.run({ unsafe: "localReads" }, i + 1)[0]!,
  );
  const bad = verdicts.filter((row) => row.linearizable === false);
  assert.ok(bad.length >= 1);
  assert.ok(bad.every((row) => row.violation === "linearizability"));
});
