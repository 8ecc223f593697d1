import assert from "node:assert/strict";
import {
  checkEpochFencingRule,
  checkPhiThreshold,
  referenceEpochFencingRule,
  referencePhiThreshold,
} from "../../lib/exercises/mod.ts";

Deno.test("checkPhiThreshold passes the reference and fails thresholds outside the budgets", () => {
  assert.equal(checkPhiThreshold(referencePhiThreshold).passed, true);
  const eager = checkPhiThreshold(2);
  assert.equal(eager.passed, false);
  assert.match(String(eager), /raise Φ/);
  const lazy = checkPhiThreshold(30);
  assert.equal(lazy.passed, false);
  assert.match(String(lazy), /lower Φ/);
  assert.equal(checkPhiThreshold(-1).passed, false);
  assert.equal(checkPhiThreshold(Number.NaN as number).passed, false);
});

Deno.test("checkEpochFencingRule passes the reference and catches a rule that fences nothing or everything", () => {
  assert.equal(checkEpochFencingRule(referenceEpochFencingRule, { seeds: 100 }).passed, true);
  const open = checkEpochFencingRule(() => true, { seeds: 100 });
  assert.equal(open.passed, false);
  assert.match(String(open), /split brain/);
  const shut = checkEpochFencingRule((epoch) => epoch < 2, { seeds: 100 });
  assert.equal(shut.passed, false);
  assert.match(String(shut), /accepted none/);
  // Strict "newer only" refuses the primary's own second write.
  assert.equal(
    checkEpochFencingRule((epoch, newest) => epoch > newest, { seeds: 50 }).passed,
    false,
  );
});
