/** The Multi-Paxos fault sweep as the tests run it: seeds cycle through every profile. */
import assert from "node:assert/strict";
import { describeFailure } from "../../lib/testing/mod.ts";
import {
  MULTI_PAXOS_FAULT_PROFILES,
  MULTI_PAXOS_KV_DEFAULTS,
  multiPaxosFaultSweep,
} from "../../lib/consensus/mod.ts";

/** Runs seeds `first` to `first + count - 1` over every profile and asserts all is well. */
export function assertCleanMultiPaxosSweep(first: number, count: number): void {
  const result = multiPaxosFaultSweep({
    seeds: count,
    firstSeed: first,
    profiles: Object.values(MULTI_PAXOS_FAULT_PROFILES),
  });
  const failure = result.failures[0];
  assert.equal(failure, undefined, failure && describeFailure(failure));
  assert.equal(result.trials, count);
  assert.equal(result.unknown, 0, "every history was checked to a verdict");
  for (const row of result.rows) {
    assert.equal(row.linearizable, true, `seed ${row.seed}: linearizable`);
    assert.ok(
      row.recoveryMs !== null && row.recoveryMs <= MULTI_PAXOS_KV_DEFAULTS.livenessBoundMs,
      `seed ${row.seed}: recovered in ${row.recoveryMs} ms`,
    );
  }
  const ok = result.rows.reduce((sum, row) => sum + row.okOps, 0);
  assert.ok(ok > 20 * count, `the clients got work done (${ok} operations ok)`);
}
