import assert from "node:assert/strict";
import fc from "fast-check";
import {
  canonicalJson,
  checkOrSetHistory,
  CRDTS,
  historyReplica,
  orSet,
} from "../../lib/crdt/mod.ts";
import { Random } from "../../lib/sim/random.ts";
import { lawsProperty, REPLICAS, setSteps } from "./properties.ts";

for (const [name, crdt] of Object.entries(CRDTS)) {
  Deno.test(`${name}: merge is commutative, associative, idempotent; any delivery order converges`, () => {
    fc.assert(lawsProperty(crdt), { numRuns: 300 });
  });
}

Deno.test("or-set: every replica's value matches the observed-remove specification", () => {
  fc.assert(
    fc.property(setSteps(), (steps) => checkOrSetHistory(orSet, REPLICAS, steps) === undefined),
    { numRuns: 500 },
  );
});

for (const [name, crdt] of Object.entries(CRDTS)) {
  Deno.test(`${name}: every update moves the state up (merging the old state back changes nothing)`, () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (seeds) => {
        let state = crdt.initial();
        for (const [i, seed] of seeds.entries()) {
          const replica = historyReplica(seed % REPLICAS);
          const op = crdt.randomOp(new Random(seed), state, i);
          const next = crdt.merge(state, crdt.delta(state, replica, op));
          assert.equal(canonicalJson(crdt.merge(next, state)), canonicalJson(next));
          state = next;
        }
      }),
      { numRuns: 100 },
    );
  });
}
