import assert from "node:assert/strict";
import {
  checkPromiseRule,
  referencePromiseRule,
  wrongPromiseRule,
} from "../../lib/exercises/mod.ts";
import type { PromiseRule } from "../../lib/consensus/mod.ts";

Deno.test("checkPromiseRule accepts the reference answer", () => {
  const result = checkPromiseRule(referencePromiseRule, { seeds: 100 });
  assert.equal(result.passed, true, String(result));
});

Deno.test("checkPromiseRule rejects a promise that is not remembered, through the sweep", () => {
  const result = checkPromiseRule(wrongPromiseRule, { seeds: 100 });
  assert.equal(result.passed, false);
  assert.ok(
    result.details.some((line) => line.includes("at most one value chosen")),
    String(result),
  );
});

Deno.test("checkPromiseRule rejects a promise that hides the accepted proposal", () => {
  const hides: PromiseRule = (state, ballot) =>
    ballot < state.promised
      ? { promise: false, state, accepted: null }
      : { promise: true, state: { ...state, promised: ballot }, accepted: null };
  const result = checkPromiseRule(hides, { seeds: 100 });
  assert.equal(result.passed, false);
  assert.ok(result.details.some((line) => line.includes("sweep broke")), String(result));
});

Deno.test("checkPromiseRule reports a non-function without throwing", () => {
  assert.equal(checkPromiseRule(42 as unknown as PromiseRule).passed, false);
});
