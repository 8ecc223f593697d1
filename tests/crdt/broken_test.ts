import assert from "node:assert/strict";
import fc from "fast-check";
import { BROKEN_CRDTS, checkOrSetHistory, makeOrSet } from "../../lib/crdt/mod.ts";
import { type LawInput, lawsProperty, REPLICAS, setSteps } from "./properties.ts";

// Each broken variant must be caught within BUDGET generated runs, for every one of ten
// fast-check seeds: a budget far above what they need (a few runs), so the test is about
// the property having teeth, not about one lucky seed.
const BUDGET = 200;
const FC_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** Runs `property` for at most BUDGET runs with fast-check seed `seed`. */
function search<T extends unknown[]>(property: fc.IProperty<T>, seed: number): fc.RunDetails<T> {
  return fc.check(property, { numRuns: BUDGET, seed }) as fc.RunDetails<T>;
}

Deno.test("a PN-Counter merged by sum instead of max breaks the laws within the budget", () => {
  const broken = BROKEN_CRDTS["pn-counter-sum-merge"];
  assert.ok(broken);
  for (const seed of FC_SEEDS) {
    const result: fc.RunDetails<[LawInput, number]> = search(lawsProperty(broken), seed);
    assert.equal(result.failed, true, `fast-check seed ${seed}: not caught in ${BUDGET} runs`);
    assert.ok(result.numRuns <= BUDGET);
  }
});

Deno.test("an OR-Set that removes by element leaves the specification within the budget", () => {
  const broken = makeOrSet({ removeBy: "element" });
  const runs: number[] = [];
  for (const seed of FC_SEEDS) {
    const result = search(
      fc.property(setSteps(), (steps) => checkOrSetHistory(broken, REPLICAS, steps) === undefined),
      seed,
    );
    assert.equal(result.failed, true, `fast-check seed ${seed}: not caught in ${BUDGET} runs`);
    runs.push(result.numRuns);
    // The shrunk counterexample is small: an add, a remove of the same element, a merge.
    const [steps] = result.counterexample ?? [[]];
    assert.ok(steps.length <= 4, JSON.stringify(steps));
  }
  assert.ok(Math.max(...runs) <= BUDGET);
});

Deno.test("the remove-by-element OR-Set still obeys the lattice laws: only the specification catches it", () => {
  fc.assert(lawsProperty(makeOrSet({ removeBy: "element" })), { numRuns: 200 });
});
