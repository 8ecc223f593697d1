/**
 * Chandy-Lamport snapshots conserve the total over 1,000 seeds; a snapshot without
 * markers, one that drops channel state, and Chandy-Lamport over non-FIFO links are each
 * caught within a seed budget.
 */
import assert from "node:assert/strict";
import {
  buildSnapshot,
  snapshotExperiment,
  SnapshotParamsSchema,
  snapshotTotals,
  snapshotTrial,
} from "../../lib/coordination/mod.ts";
import { caughtWithin, describeFailures, faultSweep } from "../../lib/testing/mod.ts";
import { ConfigError, findExperiment } from "../../lib/mod.ts";

Deno.test("Chandy-Lamport: 1,000 seeds, every snapshot complete and conserving the total", () => {
  const sweep = faultSweep(snapshotTrial, {
    seeds: 1_000,
    profiles: {
      default: {},
      busy: { banks: 6, meanTransferGapMs: 2, meanLatencyMs: 10 },
      quiet: { banks: 2, meanTransferGapMs: 20 },
    },
  });
  assert.equal(sweep.failures.length, 0, describeFailures(sweep.failures));
  // The channel states matter: most snapshots found money in flight.
  const inFlight = sweep.rows.filter((row) => row.inFlightRecorded > 0).length;
  assert.ok(inFlight > 600, `money recorded in flight in ${inFlight} of 1000 snapshots`);
});

Deno.test("broken variant: the naive snapshot (no markers, no channel state) is caught within 20 seeds", () => {
  const failure = caughtWithin(snapshotTrial, 20, { params: { algorithm: "naive" } });
  assert.equal(failure.invariant, "the snapshot conserves the total");
});

Deno.test("broken variant: markers without channel state are caught within 20 seeds", () => {
  const failure = caughtWithin(snapshotTrial, 20, { params: { ignoreChannelState: true } });
  assert.equal(failure.invariant, "the snapshot conserves the total");
});

Deno.test("Chandy-Lamport needs FIFO: over reordering links it is caught within 50 seeds", () => {
  const failure = caughtWithin(snapshotTrial, 50, { params: { fifo: false } });
  assert.equal(failure.invariant, "the snapshot conserves the total");
});

Deno.test("snapshot experiment: one row per seed and algorithm, registered", () => {
  assert.equal(findExperiment("snapshot"), snapshotExperiment);
  const rows = Array.from({ length: 30 }, (_, i) => snapshotExperiment.run({}, i + 1)).flat();
  assert.equal(rows.length, 60);
  assert.deepEqual([...new Set(rows.map((row) => row.algorithm))], ["chandy-lamport", "naive"]);
  assert.ok(rows.filter((r) => r.algorithm === "chandy-lamport").every((r) => r.conserved));
  const naiveWrong = rows.filter((r) => r.algorithm === "naive" && !r.conserved).length;
  assert.ok(naiveWrong >= 20, `the naive snapshot was wrong in ${naiveWrong} of 30 seeds`);
  assert.deepEqual(snapshotExperiment.run({}, 9), snapshotExperiment.run({}, 9));
  assert.throws(() => snapshotExperiment.run({ banks: 1 }, 1), ConfigError);
});

Deno.test("snapshotTotals waits for every part: an unfinished snapshot is incomplete", () => {
  const system = buildSnapshot(SnapshotParamsSchema.parse({}), 3);
  system.simulation.runUntil(10);
  assert.equal(snapshotTotals(system.nodes()).complete, false);
  system.simulation.runUntil(200);
  assert.equal(snapshotTotals(system.nodes()).complete, true);
});
