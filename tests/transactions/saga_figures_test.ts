/** The saga chapter's figure data: one saga's records and steps, and violations per variant. */
import assert from "node:assert/strict";
import {
  findSagaStory,
  orderOf,
  orderRecords,
  type SagaMessage,
  sagaSteps,
  variantViolations,
} from "../../lib/transactions/mod.ts";

Deno.test("findSagaStory finds a saga shipping refused while the orchestrator was down, and its records are its own", () => {
  const story = findSagaStory({ firstSeed: 1, seeds: 30 });
  const records = orderRecords(story.system.simulation.trace.records, story.orderId);
  for (const record of records) {
    if (record.kind === "send" || record.kind === "deliver" || record.kind === "drop") {
      assert.equal(orderOf(record.message as unknown as SagaMessage), story.orderId);
    }
  }
  assert.ok(records.some((r) => r.kind === "crash" && r.node === "orders"));
  const steps = sagaSteps(story.system.simulation.trace.records, story.orderId).filter((s) =>
    s.used
  );
  // Forward until shipping refuses, then the compensations, newest first.
  assert.deepEqual(steps.map((s) => s.action), ["charge", "reserve", "ship", "release", "refund"]);
  assert.match(steps[2]!.outcome, /^refused/);
  assert.throws(
    () => findSagaStory({ seeds: 2, params: { shippingRefusalProbability: 0 } }),
    /Cannot find a saga/,
  );
});

Deno.test("variantViolations counts every seed once per variant: caught by one invariant, or none", () => {
  const rows = variantViolations({ seeds: 12, variants: ["correct", "no-idempotency-key"] });
  const seeds = (variant: string) =>
    rows.filter((r) => r.variant === variant).reduce((sum, r) => sum + r.seeds, 0);
  assert.equal(seeds("correct"), 12);
  assert.equal(seeds("no-idempotency-key"), 12);
  assert.deepEqual(rows.filter((r) => r.variant === "correct").map((r) => r.invariant), ["none"]);
  assert.ok(
    rows.some((r) => r.variant === "no-idempotency-key" && r.invariant !== "none" && r.seeds > 0),
  );
});
