/**
 * The fault sweep as the tests run it: seeds cycle through every fault profile, and a
 * failure names its seed and the command that replays it.
 */
import assert from "node:assert/strict";
import {
  describeTrialFailure,
  RAFT_FAULT_PROFILES,
  RAFT_KV_DEFAULTS,
  raftFaultSweep,
} from "../../lib/consensus/mod.ts";

/** Runs seeds `first` to `first + count - 1` over every profile and asserts all is well. */
export function assertCleanSweep(first: number, count: number): void {
  const result = raftFaultSweep({
    seeds: count,
    firstSeed: first,
    profiles: Object.values(RAFT_FAULT_PROFILES),
  });
  const failure = result.failures[0];
  assert.equal(
    failure,
    undefined,
    failure === undefined ? "" : `the sweep failed:\n${describeTrialFailure(failure)}`,
  );
  assert.equal(result.trials, count);
  assert.equal(result.unknown, 0, "every history was checked to a verdict");
  for (const row of result.rows) {
    assert.equal(row.linearizable, true, `seed ${row.seed}: linearizable`);
    assert.equal(row.violation, null);
    // Liveness: after the last fault healed, a command committed within the bound.
    assert.ok(
      row.recoveryMs !== null && row.recoveryMs <= RAFT_KV_DEFAULTS.livenessBoundMs,
      `seed ${row.seed}: recovered in ${row.recoveryMs} ms`,
    );
  }
  const ok = result.rows.reduce((sum, row) => sum + row.okOps, 0);
  assert.ok(ok > 20 * count, `the clients got work done (${ok} operations ok)`);
}
