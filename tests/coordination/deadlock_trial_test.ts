/**
 * Edge chasing as messages between transactions and sites, on the trial harness: over
 * 1,000 seeds no deadlock outlives its bound, and a transaction that forwards only one
 * probe per initiator (so it drops the later probes that could find a new cycle) is
 * caught within a seed budget.
 */
import assert from "node:assert/strict";
import { deadlockTrial } from "../../lib/coordination/mod.ts";
import { caughtWithin, describeFailures, faultSweep } from "../../lib/testing/mod.ts";

Deno.test("edge chasing: 1,000 seeds, every deadlock broken within 300 ms", () => {
  const sweep = faultSweep(deadlockTrial, {
    seeds: 1_000,
    profiles: {
      default: {},
      "more readers": { sharedProbability: 0.8, clients: 5 },
      "few resources": { resourcesPerSite: 1, locksPerTransaction: 2 },
    },
    params: { runMs: 400 },
  });
  assert.equal(sweep.failures.length, 0, describeFailures(sweep.failures));
  const aborts = sweep.rows.reduce((sum, row) => sum + row.aborts, 0);
  const commits = sweep.rows.reduce((sum, row) => sum + row.commits, 0);
  // The sweep has teeth only if deadlocks happen and are broken: victims were aborted.
  assert.ok(aborts > 1_000, `${aborts} victims aborted`);
  assert.ok(commits > 10 * aborts / 2, `${commits} commits`);
});

Deno.test("broken variant: one probe per initiator, ever, is caught within 150 seeds", () => {
  const failure = caughtWithin(deadlockTrial, 150, { params: { forgetProbeNumbers: true } });
  assert.equal(failure.invariant, "every deadlock is broken in time");
  assert.match(failure.message, /the deadlock .* has lasted/);
  assert.match(
    failure.replay,
    /deno task exp run deadlock --seed \d+ --param forgetProbeNumbers=true/,
  );
});
