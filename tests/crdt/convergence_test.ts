import assert from "node:assert/strict";
import {
  BROKEN_CRDTS,
  CRDT_NAMES,
  crdtConvergence,
  simulateCrdtConvergence,
} from "../../lib/crdt/mod.ts";
import { findExperiment } from "../../lib/experiments/catalog.ts";

Deno.test("crdt-convergence is registered and rejects bad parameters by name", () => {
  assert.equal(findExperiment("crdt-convergence"), crdtConvergence);
  assert.throws(() => crdtConvergence.parseParams({ replicas: 1 }), /replicas/);
  assert.throws(() => crdtConvergence.parseParams({ crdt: "x-set" as "or-set" }), /crdt/);
  assert.throws(
    () => crdtConvergence.parseParams({ partitionAtMs: 500, healAtMs: 400 }),
    /healAtMs: partitionAtMs must be before healAtMs/,
  );
});

Deno.test("crdt-convergence is deterministic: same seed, same row", () => {
  assert.deepEqual(crdtConvergence.run({}, 7), crdtConvergence.run({}, 7));
});

Deno.test("every CRDT converges under full and delta gossip (20 seeds each)", () => {
  for (const crdt of CRDT_NAMES) {
    for (const gossip of ["full", "delta"] as const) {
      const params = crdtConvergence.parseParams({ crdt, gossip, replicas: 3, healAtMs: 500 });
      for (let seed = 1; seed <= 20; seed++) {
        const { row } = simulateCrdtConvergence(params, seed);
        assert.equal(row.converged, true, `${crdt}/${gossip} seed ${seed}`);
      }
    }
  }
});

Deno.test("delta gossip sends fewer bytes than full-state gossip for the OR-Set and RGA text", () => {
  for (const crdt of ["or-set", "rga"] as const) {
    for (let seed = 1; seed <= 5; seed++) {
      const [full] = crdtConvergence.run({ crdt, gossip: "full" }, seed);
      const [delta] = crdtConvergence.run({ crdt, gossip: "delta" }, seed);
      assert.ok(full && delta);
      // Full state grows with every update while deltas stay small: at least 2x less.
      assert.ok(delta.bytesGossiped * 2 < full.bytesGossiped, `${crdt} seed ${seed}`);
    }
  }
});

Deno.test("a run that cannot converge in time says so instead of throwing", () => {
  // Gossip slower than the wait: nothing crosses the healed partition in time.
  const [row] = crdtConvergence.run({ gossipIntervalMs: 10_000, maxWaitMs: 10 }, 1);
  assert.equal(row?.converged, false);
  assert.equal(row?.timeToConvergeMs, null);
});

Deno.test("checked after every join, every CRDT's states only move up during the runs", () => {
  for (const crdt of CRDT_NAMES) {
    const params = crdtConvergence.parseParams({ crdt, checkInflation: true, replicas: 3 });
    for (let seed = 1; seed <= 5; seed++) {
      const { row } = simulateCrdtConvergence(params, seed);
      assert.equal(row.inflationViolations, 0, `${crdt} seed ${seed}`);
    }
  }
});

Deno.test("the in-run inflation check catches a PN-Counter merged by sum on the first seeds", () => {
  const params = crdtConvergence.parseParams({ crdt: "pn-counter", checkInflation: true });
  const broken = BROKEN_CRDTS["pn-counter-sum-merge"];
  // Every gossip message re-adds what the receiver already had; any run with one update
  // and one message shows it. Budget 10 seeds; each of the first 10 must catch it.
  for (let seed = 1; seed <= 10; seed++) {
    const { row } = simulateCrdtConvergence(params, seed, { crdt: broken });
    assert.ok(row.inflationViolations > 0, `seed ${seed}`);
  }
});
