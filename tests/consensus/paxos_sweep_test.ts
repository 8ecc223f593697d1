/**
 * Single-decree Paxos under the fault sweep: 1,000 seeds of each profile with zero
 * violations, and each broken variant caught within its seed budget.
 */
import assert from "node:assert/strict";
import {
  PAXOS_DEFAULTS,
  PAXOS_FAULT_PROFILES,
  paxosFaultSweep,
  paxosTrial,
} from "../../lib/consensus/mod.ts";
import { caughtWithin, describeFailure } from "../../lib/testing/mod.ts";

for (const [name, profile] of Object.entries(PAXOS_FAULT_PROFILES)) {
  Deno.test(`paxosFaultSweep: 1,000 seeds of the ${name} profile choose one value, never change it, and every proposer learns it`, () => {
    const result = paxosFaultSweep({ seeds: 1000, params: profile });
    const failure = result.failures[0];
    assert.equal(failure, undefined, failure && describeFailure(failure));
    assert.equal(result.trials, 1000);
    for (const row of result.rows) {
      assert.equal(row.decided, true, `seed ${row.seed} decided`);
      assert.ok(row.allLearnedMs !== null, `seed ${row.seed}: every proposer learned`);
    }
    // The sweep is not idle: faults happen and proposers compete.
    const faults = result.rows.reduce((sum, row) => sum + row.faults, 0);
    const rounds = result.rows.reduce((sum, row) => sum + row.rounds, 0);
    assert.ok(faults > 5 * 1000, `${faults} faults`);
    assert.ok(rounds > 2 * 1000, `${rounds} rounds`);
  });
}

// Budgets: first failing seeds measured from starts 1, 1001, ..., 5001 were at most 8
// (ignorePhase1Values, mixed profile) and at most 180 (forgetPromise, crash-storm); each
// budget is more than five times the worst.
const VARIANTS = [
  { unsafe: "ignorePhase1Values", profile: "mixed", budget: 50 },
  { unsafe: "forgetPromise", profile: "crash-storm", budget: 1000 },
] as const;

const trial = paxosTrial();
for (const { unsafe, profile, budget } of VARIANTS) {
  for (const firstSeed of [1, 7001]) {
    Deno.test(`paxosTrial catches ${unsafe} within ${budget} seeds of ${profile} from seed ${firstSeed}`, () => {
      const failure = caughtWithin(trial, budget, {
        firstSeed,
        params: { ...PAXOS_FAULT_PROFILES[profile], unsafe },
        excerpt: false,
      });
      assert.equal(failure.kind, "safety");
      assert.equal(failure.invariant, "at most one value chosen per slot");
      assert.match(
        failure.replay,
        new RegExp(`run paxos --seed ${failure.seed} .*unsafe=${unsafe}`),
      );
    });
  }
}

Deno.test("runPaxosTrial rejects a bad parameter before running", () => {
  assert.throws(
    () => paxosFaultSweep({ seeds: 1, params: { proposers: 9, acceptors: 3 } }),
    /proposers: must be at most acceptors/,
  );
  assert.equal(PAXOS_DEFAULTS.acceptors, 5);
});
