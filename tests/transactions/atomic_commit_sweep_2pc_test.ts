import assert from "node:assert/strict";
import { describeFailures, faultSweep } from "../../lib/testing/mod.ts";
import { atomicCommitTrial } from "../../lib/transactions/mod.ts";

const trial = atomicCommitTrial();
const profiles = { crashes: { faults: "crashes" }, partitions: { faults: "partitions" } } as const;

Deno.test("2PC: 1,000 seeds of crashes and partitions, atomic, every decision final, every participant learns it", () => {
  const result = faultSweep(trial, { seeds: 1000, profiles, params: { protocol: "2pc" } });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  assert.ok(result.rows.every((row) => row.atomic));
});
