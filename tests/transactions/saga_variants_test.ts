/**
 * Each broken variant removes one rule, and a fault sweep catches it within a budget of
 * seeds, by the invariant that rule protects. Budgets are several times the first seed
 * that fails today, so a small change in the runs does not make the test flaky.
 */
import assert from "node:assert/strict";
import { caughtWithin } from "../../lib/testing/mod.ts";
import { SAGA_INVARIANTS, sagaMoneyTrial, type SagaVariant } from "../../lib/transactions/mod.ts";

const cases: readonly [SagaVariant, number, readonly string[]][] = [
  // A duplicated or retried refund pays the customer twice; the bank dedupes its message.
  ["non-idempotent-compensation", 60, [SAGA_INVARIANTS.conserved]],
  // The orchestrator crashes with sagas in memory: they never end.
  ["saga-state-in-memory", 30, [SAGA_INVARIANTS.settled]],
  // A retried charge or reservation is done twice.
  ["no-idempotency-key", 20, [
    SAGA_INVARIANTS.chargedOnce,
    SAGA_INVARIANTS.conserved,
    SAGA_INVARIANTS.effects,
  ]],
  // Payments crashes between its commit and the publication: the merchant never hears.
  ["dual-write", 200, [SAGA_INVARIANTS.conserved]],
  // The bank applies a redelivered message again.
  ["no-consumer-dedup", 40, [SAGA_INVARIANTS.conserved]],
];

for (const [variant, budget, invariants] of cases) {
  Deno.test(`sagaMoneyTrial catches the ${variant} variant within ${budget} seeds`, () => {
    const failure = caughtWithin(sagaMoneyTrial, budget, { params: { variant }, excerpt: false });
    assert.ok(
      invariants.includes(failure.invariant),
      `${variant}: caught by "${failure.invariant}", expected one of ${invariants.join(", ")}`,
    );
    assert.match(failure.replay, new RegExp(`--param variant=${variant}`));
  });
}
