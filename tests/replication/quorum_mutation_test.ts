/**
 * Tests with teeth: each broken variant of the quorum store must be caught by the fault
 * sweep within a seed budget far above the seeds it takes today.
 */
import assert from "node:assert/strict";
import { type QuorumTrialParamsInput, runQuorumTrial } from "../../lib/replication/mod.ts";
import { caughtWithin, SLOW_PATH } from "./sweep_helpers.ts";

/** Five clients hammering one key: reads overlap writes often. */
const OVERLAP: QuorumTrialParamsInput = {
  latency: SLOW_PATH,
  keys: 1,
  clients: 5,
  operationsPerClient: 20,
  thinkMs: 5,
  readFraction: 0.7,
  faultsPerSecond: 0,
};

Deno.test("quorum reads without write-back are caught as not linearizable within 200 seeds", () => {
  // About one seed in ten shows it; 200 seeds without one would happen with p < 1e-8.
  const failure = caughtWithin({ ...OVERLAP, writeBack: false }, 200);
  assert.equal(failure.kind, "history");
  assert.equal(failure.invariant, "linearizability");
  assert.match(failure.message, /^Key "k1": p\d+ read → .* cannot be linearized/);
  assert.match(failure.replay, /^deno task exp run quorum-kv --seed \d+ .*--param writeBack=false/);
  // The same seed with write-back is linearizable: the missing rule, not the schedule.
  assert.equal(runQuorumTrial(OVERLAP, failure.seed).failure, undefined);
});

Deno.test("a coordinator that counts one replica's ack twice is caught within 100 seeds", () => {
  const failure = caughtWithin({ unsafe: "countDuplicateAcks" }, 100);
  assert.equal(failure.kind, "safety");
  assert.equal(failure.invariant, "durability");
  assert.match(failure.message, /is on 1 disk\(s\) \[s\d\], fewer than W = 2/);
  assert.equal(runQuorumTrial({}, failure.seed).failure, undefined);
});

Deno.test("read repair that overwrites a newer value is caught within 200 seeds", () => {
  const params: QuorumTrialParamsInput = { readRepair: true, latency: SLOW_PATH };
  const failure = caughtWithin({ ...params, unsafe: "repairOverwrites" }, 200);
  assert.equal(failure.kind, "safety");
  assert.ok(
    failure.invariant === "monotonic" || failure.invariant === "durability",
    failure.invariant,
  );
  assert.equal(runQuorumTrial(params, failure.seed).failure, undefined);
});

Deno.test("sloppy quorums are not linearizable even with write-back: the sweep shows it", () => {
  // Not a bug: a sloppy write quorum need not meet the read quorum. The checker says so.
  const failure = caughtWithin({ replicas: 5, sloppy: true, keys: 1, clients: 4 }, 300);
  assert.equal(failure.invariant, "linearizability");
});
