/** The chapter 13 self-check accepts the recovery rule of 2PC and refuses the usual wrong ones. */
import assert from "node:assert/strict";
import { checkRecoveryRule } from "../../lib/exercises/mod.ts";
import { askTheCoordinator, type RecoveryRule } from "../../lib/transactions/mod.ts";

Deno.test("checkRecoveryRule accepts asking the coordinator", () => {
  const result = checkRecoveryRule(askTheCoordinator, { seeds: 60 });
  assert.equal(result.passed, true, String(result));
});

Deno.test("checkRecoveryRule refuses a participant that aborts or commits alone after a wait", () => {
  const abort: RecoveryRule = ({ state, waitedMs }) =>
    state === "prepared" && waitedMs > 50 ? "abort" : "ask-coordinator";
  const aborted = checkRecoveryRule(abort, { seeds: 60 });
  assert.equal(aborted.passed, false);
  assert.match(String(aborted), /committed but p\d aborted/);
  const commit: RecoveryRule = ({ state, waitedMs }) =>
    state === "prepared" && waitedMs > 50 ? "commit" : "ask-coordinator";
  assert.equal(checkRecoveryRule(commit, { seeds: 60 }).passed, false);
});

Deno.test("checkRecoveryRule refuses a participant that only waits, and answers that are not rules", () => {
  const silent = checkRecoveryRule(() => "wait", { seeds: 60 });
  assert.equal(silent.passed, false);
  assert.match(String(silent), /ask the coordinator/);
  assert.equal(checkRecoveryRule(42 as unknown as RecoveryRule).passed, false);
  const nonsense = checkRecoveryRule((() => "panic") as unknown as RecoveryRule, { seeds: 4 });
  assert.equal(nonsense.passed, false);
});
