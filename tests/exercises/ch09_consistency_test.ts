import assert from "node:assert/strict";
import fc from "fast-check";
import { checkConsistency } from "../../lib/check/mod.ts";
import {
  checkCausalNotSequential,
  checkSeparation,
  checkSessionsNotCausal,
} from "../../lib/exercises/mod.ts";
import type { History } from "../../lib/history/mod.ts";
import { differentiatedHistory, serial } from "../check/consistency_helpers.ts";

const CAUSAL_NOT_SEQUENTIAL = serial(
  [0, "write", "x", 1],
  [1, "write", "x", 2],
  [2, "read", "x", 1],
  [2, "read", "x", 2],
  [3, "read", "x", 2],
  [3, "read", "x", 1],
);

const SESSIONS_NOT_CAUSAL = serial(
  [0, "write", "x", 1],
  [1, "read", "x", 1],
  [1, "write", "y", 1],
  [2, "read", "y", 1],
  [2, "write", "z", 1],
  [3, "read", "z", 1],
  [3, "read", "x", null],
);

Deno.test("checkCausalNotSequential accepts two readers who disagree on concurrent writes", () => {
  const result = checkCausalNotSequential(CAUSAL_NOT_SEQUENTIAL);
  assert.equal(result.passed, true, String(result));
  assert.match(String(result), /✓ sequential: broken/);
});

Deno.test("checkCausalNotSequential rejects a sequential history and a non-causal one", () => {
  const sequential = serial([0, "write", "x", 1], [1, "read", "x", 1]);
  const result = checkCausalNotSequential(sequential);
  assert.equal(result.passed, false);
  assert.match(String(result), /sequential: holds, so the history does not separate/);
  const notCausal = checkCausalNotSequential(SESSIONS_NOT_CAUSAL);
  assert.equal(notCausal.passed, false);
  assert.match(String(notCausal), /✗ causal: broken/);
});

Deno.test("checkSessionsNotCausal accepts the three-hop chain", () => {
  assert.equal(checkSessionsNotCausal(SESSIONS_NOT_CAUSAL).passed, true);
  assert.equal(checkSessionsNotCausal(CAUSAL_NOT_SEQUENTIAL).passed, false);
});

Deno.test("checkSeparation never throws for a wrong answer", () => {
  for (const answer of [[], null, "x", [{ process: 0, type: "ok", f: "read", value: 1 }]]) {
    assert.equal(checkSessionsNotCausal(answer).passed, false);
  }
  const repeated = serial([0, "write", "x", 1], [1, "write", "x", 1], [2, "read", "x", 1]);
  assert.match(String(checkCausalNotSequential(repeated)), /cannot tell/);
  const cas: History = [
    { process: 0, type: "invoke", f: "cas", value: [null, 1] },
    { process: 0, type: "ok", f: "cas", value: [null, 1] },
  ];
  assert.match(String(checkCausalNotSequential(cas)), /reads and writes only/);
});

Deno.test("checkSeparation passes exactly when the checkers separate the models", () => {
  fc.assert(
    fc.property(differentiatedHistory({ maxOperations: 7 }), (history) => {
      const expected = checkConsistency(history, "causal").valid === true &&
        checkConsistency(history, "sequential").valid === false;
      assert.equal(
        checkSeparation(history, { holds: ["causal"], breaks: "sequential" }).passed,
        expected,
      );
    }),
    { numRuns: 100, seed: 909 },
  );
  assert.throws(
    () => checkSeparation([], { holds: ["eventual" as "causal"], breaks: "sequential" }),
    /unknown model/,
  );
});
