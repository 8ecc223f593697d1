import assert from "node:assert/strict";
import { describeFailures, faultSweep } from "../../lib/testing/mod.ts";
import { atomicCommitTrial } from "../../lib/transactions/mod.ts";

/**
 * Sweeps 2PC over Raft groups from `firstSeed` over the crash and partition profiles:
 * no failure at all, and under crashes (one server at a time) no prepared participant
 * waits longer than a few election timeouts.
 */
export function assertCleanRaftCommitSweep(firstSeed: number, seeds: number): void {
  const result = faultSweep(atomicCommitTrial(), {
    seeds,
    firstSeed,
    profiles: { crashes: { faults: "crashes" }, partitions: { faults: "partitions" } },
    params: { protocol: "2pc-raft" },
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  // A crashed leader is replaced within an election timeout or two (60–120 ms each) and
  // the group carries on; 1,000 seeds measured at most about 290 ms. A 2PC participant
  // waits for as long as its coordinator is down: crashes last 400 ms on average.
  const longest = Math.max(
    ...result.rows.filter((row) => row.profile === "crashes").map((row) => row.blockedMs),
  );
  assert.ok(longest <= 500, `a participant group waited ${longest} ms under crashes`);
}
