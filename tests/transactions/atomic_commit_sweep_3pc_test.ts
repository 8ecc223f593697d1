import assert from "node:assert/strict";
import { describeFailures, faultSweep } from "../../lib/testing/mod.ts";
import { atomicCommitTrial } from "../../lib/transactions/mod.ts";

const trial = atomicCommitTrial();

Deno.test("3PC: 1,000 seeds of crashes, atomic, and no wait longer than a few timeouts", () => {
  const result = faultSweep(trial, { seeds: 1000, params: { protocol: "3pc" } });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  // Silence (2 timeouts), the termination round (1) and its pre-commit round (1), plus
  // message delays: about 90 ms with the 20 ms timeout; crashes last 400 ms on average.
  const longest = Math.max(...result.rows.map((row) => row.blockedMs));
  assert.ok(longest <= 8 * 20, `a 3PC participant waited ${longest} ms`);
});
