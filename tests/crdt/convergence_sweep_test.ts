import assert from "node:assert/strict";
import { crdtConvergence, simulateCrdtConvergence } from "../../lib/crdt/mod.ts";

Deno.test("1,000 seeds of an OR-Set with delta gossip on a lossy network: every one converges after the heal", () => {
  // A shorter run than the default (half a second of updates), so the sweep stays quick.
  const params = crdtConvergence.parseParams({
    crdt: "or-set",
    gossip: "delta",
    partitionAtMs: 100,
    healAtMs: 500,
    updateMeanGapMs: 40,
  });
  let worstMs = 0;
  for (let seed = 1; seed <= 1000; seed++) {
    const { row, groups } = simulateCrdtConvergence(params, seed);
    assert.ok(groups.every((g) => g.length > 0), `seed ${seed}: a side of the partition is empty`);
    assert.equal(row.converged, true, `seed ${seed} did not converge: ${JSON.stringify(row)}`);
    worstMs = Math.max(worstMs, row.timeToConvergeMs ?? Infinity);
  }
  // Every delta is resent each 50 ms round until acknowledged; with 5% loss a handful of
  // rounds suffice, far below the 5 s the run allows.
  assert.ok(worstMs < 1000, `worst time to converge ${worstMs} ms`);
});
