/**
 * Multi-leader replication under partitions between leaders, 1,000 seeds per conflict
 * rule: after the heal the leaders always converge; siblings never drop an acknowledged
 * write; last writer wins does, once concurrent writes conflict.
 */
import assert from "node:assert/strict";
import { runMultiLeader } from "../../lib/replication/mod.ts";

const SWEEP = { durationMs: 200, writesPerSecond: 60, settleMs: 300 } as const;

Deno.test("siblings: 1,000 seeds, leaders converge and no acknowledged write is dropped", () => {
  let conflicts = 0;
  for (let seed = 1; seed <= 1000; seed++) {
    const run = runMultiLeader({ ...SWEEP, resolution: "siblings" }, seed);
    assert.ok(run.converged, `seed ${seed}: ${run.divergence}`);
    assert.equal(run.lostWrites, 0, `seed ${seed}`);
    conflicts += run.conflicts;
  }
  assert.ok(conflicts > 100, `conflicts happened (${conflicts})`);
});

Deno.test("last writer wins: 1,000 seeds, leaders converge, and conflicts drop acknowledged writes", () => {
  let lost = 0;
  for (let seed = 1; seed <= 1000; seed++) {
    const run = runMultiLeader({ ...SWEEP, resolution: "lww" }, seed);
    assert.ok(run.converged, `seed ${seed}: ${run.divergence}`);
    assert.equal(run.keysWithSiblings, 0);
    lost += run.lostWrites;
  }
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
