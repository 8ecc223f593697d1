import assert from "node:assert/strict";
import fc from "fast-check";
import { caughtWithin, describeFailures, faultSweep, runTrial } from "../../lib/testing/mod.ts";
import {
  buildLogOrder,
  LogOrderParamsSchema,
  logOrderTrial,
  partitionOf,
} from "../../lib/messaging/mod.ts";

Deno.test("the partitioned log: 1,000 seeds, each partition processed in order without gaps, nothing lost", () => {
  const result = faultSweep(logOrderTrial, {
    seeds: 1000,
    profiles: {
      calm: { faultsPerSecond: 2, lossProbability: 0.01 },
      stormy: { faultsPerSecond: 8, lossProbability: 0.05, concurrentNodeFaults: 2 },
      duplicating: { duplicateProbability: 0.05 },
    },
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  assert.ok(result.rows.every((r) => r.lost === 0 && r.appended === 200));
  // Crashes made the group rebalance and replay what was processed but not committed.
  assert.ok(result.rows.filter((r) => r.rebalances > 0).length > 950);
  assert.ok(result.rows.filter((r) => r.reprocessed > 0).length > 500);
});

Deno.test("committing an offset before processing is caught skipping records within 100 seeds", () => {
  for (const firstSeed of [1, 701]) {
    const failure = caughtWithin(logOrderTrial, 100, {
      firstSeed,
      params: { commitBeforeProcessing: true },
      excerpt: false,
    });
    assert.equal(failure.kind, "safety");
    assert.equal(failure.invariant, "each partition is processed in offset order, without gaps");
  }
});

Deno.test("a key always maps to the same partition, within range", () => {
  fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, n) => {
    const p = partitionOf(key, n);
    return p === partitionOf(key, n) && Number.isInteger(p) && p >= 0 && p < n;
  }));
});

Deno.test("the group rebalances when a consumer crashes, and every partition has one owner", () => {
  const params = LogOrderParamsSchema.parse({ faultsPerSecond: 0 });
  const system = buildLogOrder(params, 3, {});
  system.simulation.at(400, (sim) => sim.crash("c2"));
  system.simulation.runUntil(1_500);
  const generations = system.broker().generations;
  const last = generations[generations.length - 1]!;
  assert.match(last.reason, /c2 timed out/);
  assert.deepEqual([...new Set(last.owners)].sort(), ["c1", "c3"]);
  assert.ok(
    last.atMs > 400 && last.atMs <= 400 + params.sessionTimeoutMs + params.sessionTimeoutMs / 4 + 1,
  );
  assert.equal(runTrial(logOrderTrial, {}, 3).row.lost, 0);
});

Deno.test("offsets stored with the effects: 1,000 seeds, no record applied twice, none lost", () => {
  const result = faultSweep(logOrderTrial, {
    seeds: 1000,
    profiles: {
      calm: { faultsPerSecond: 2 },
      stormy: { faultsPerSecond: 8, lossProbability: 0.05, concurrentNodeFaults: 2 },
    },
    params: { transactionalOffsets: true },
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  // Without it the same faults replay records in most seeds (the first test above).
  assert.ok(result.rows.every((r) => r.lost === 0 && r.reprocessed === 0));
  assert.ok(result.rows.filter((r) => r.rebalances > 0).length > 950);
});
