/**
 * The CP store over 1,000 seeds: a partition that isolates the leader with a minority
 * never costs linearizability, and the minority side never answers.
 */
import assert from "node:assert/strict";
import { CAP_PARTITION_TRIAL } from "../../lib/cap/mod.ts";
import { faultSweep } from "../../lib/testing/mod.ts";

Deno.test("raft-kv stays linearizable over 1,000 partitioned seeds, the minority refusing", () => {
  // Shorter runs than the experiment's defaults (the same story, in a third of the time).
  const result = faultSweep(CAP_PARTITION_TRIAL, {
    seeds: 1000,
    params: { faultStartMs: 500, faultDurationMs: 1200, operationTimeoutMs: 400, afterHealMs: 100 },
    stopAtFirstFailure: true,
    excerpt: false,
  });
  assert.deepEqual(result.failures, []);
  assert.equal(result.rows.length, 1000);
  for (const row of result.rows) {
    assert.equal(row.linearizable, true);
    assert.equal(row.availabilityMinority, 0);
  }
});
