/**
 * Multi-leader replication under partitions between leaders, 1,000 seeds per conflict
 * rule on the shared trial harness: after the heal the leaders always converge; siblings never drop an acknowledged
 * write; last writer wins does, once concurrent writes conflict.
 */
import assert from "node:assert/strict";
import { MULTI_LEADER_TRIAL, runMultiLeader } from "../../lib/replication/mod.ts";
import { describeFailures, faultSweep } from "../../lib/testing/mod.ts";

const SWEEP = { durationMs: 200, writesPerSecond: 60, settleMs: 300 } as const;

Deno.test("siblings: 1,000 seeds, leaders converge and no acknowledged write is dropped", () => {
  const result = faultSweep(MULTI_LEADER_TRIAL, {
    seeds: 1000,
    params: { ...SWEEP, resolution: "siblings" },
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  const conflicts = result.rows.reduce((sum, row) => sum + row.conflicts, 0);
  assert.ok(conflicts > 100, `conflicts happened (${conflicts})`);
});

Deno.test("last writer wins: 1,000 seeds, leaders converge, and conflicts drop acknowledged writes", () => {
  const result = faultSweep(MULTI_LEADER_TRIAL, {
    seeds: 1000,
    params: { ...SWEEP, resolution: "lww" },
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  assert.ok(result.rows.every((row) => row.keysWithSiblings === 0));
  const lost = result.rows.reduce((sum, row) => sum + row.lostWrites, 0);
  assert.ok(lost > 100, `acknowledged writes lost to LWW (${lost})`);
});

Deno.test("three leaders converge too", () => {
  for (let seed = 1; seed <= 50; seed++) {
    for (const resolution of ["lww", "siblings"] as const) {
      const run = runMultiLeader({ ...SWEEP, leaders: 3, resolution }, seed);
      assert.ok(run.converged, `seed ${seed} ${resolution}: ${run.divergence}`);
    }
  }
});

Deno.test("bad multi-leader parameters fail with the field's path", () => {
  assert.throws(() => runMultiLeader({ leaders: 1 }, 1), {
    message: "params.leaders: must be at least 2, got 1",
  });
  assert.throws(
    () => runMultiLeader({ resolution: "first-writer" } as unknown as { resolution: "lww" }, 1),
    (error: Error) => error.message.startsWith("params.resolution: "),
  );
});
