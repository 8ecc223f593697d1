/**
 * Mutual exclusion with fencing over 1,000 seeds: client pauses longer than the lease,
 * and in half the profiles crashes, partitions and pauses of the Raft servers too. As
 * the storage sees it, no accepted request carries a token lower than one already
 * accepted, and the service never grants a lock while a lease on it runs.
 */
import assert from "node:assert/strict";
import { leaseLockTrial } from "../../lib/coordination/mod.ts";
import { describeFailures, faultSweep } from "../../lib/testing/mod.ts";

Deno.test("lease-lock with fencing: 1,000 seeds of pauses and server faults, no violation", () => {
  const sweep = faultSweep(leaseLockTrial, {
    seeds: 1_000,
    profiles: {
      pauses: { pauses: 2, pauseMs: 300 },
      "servers too": { pauses: 2, pauseMs: 150, faultsPerSecond: 4, faultsUntilMs: 500 },
    },
    params: { runMs: 700 },
  });
  assert.equal(sweep.failures.length, 0, describeFailures(sweep.failures));
  assert.equal(sweep.trials, 1_000);
  const refused = sweep.rows.filter((row) => row.staleRefused > 0).length;
  // The sweep has teeth only if pauses really produce stale requests for the storage to refuse.
  assert.ok(refused >= 50, `stale requests refused in ${refused} seeds`);
});
