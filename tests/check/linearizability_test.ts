import assert from "node:assert/strict";
import { checkLinearizable, ModelError } from "../../lib/check/mod.ts";
import { HistoryError } from "../../lib/history/mod.ts";
import { bruteForceLinearizable, h } from "./helpers.ts";

// ---- classics ------------------------------------------------------------------------

Deno.test("checkLinearizable catches a stale read", () => {
  const history = h(
    "0 invoke write 1",
    "0 ok write 1",
    "1 invoke read",
    "1 ok read null",
  );
  const result = checkLinearizable(history);
  assert.equal(result.valid, false);
  const evidence = result.evidence!;
  assert.equal(evidence.operation.index, 2);
  assert.equal(evidence.failedAt, 3);
  assert.deepEqual(evidence.linearized.map((op) => op.label), ["p0 write 1"]);
  assert.equal(evidence.value, 1);
  assert.match(evidence.pending[0]!.why, /returned null, but the register holds 1/);
});

Deno.test("checkLinearizable catches a read of a write invoked only later", () => {
  const history = h(
    "1 invoke read",
    "1 ok read 5",
    "0 invoke write 5",
    "0 ok write 5",
  );
  const result = checkLinearizable(history);
  assert.equal(result.valid, false);
  assert.equal(result.evidence!.operation.f, "read");
  assert.equal(result.evidence!.failedAt, 1);
});

Deno.test("checkLinearizable catches a lost cas: a successful cas whose effect vanished", () => {
  const history = h(
    "0 invoke write 0",
    "0 ok write 0",
    "1 invoke cas [0,1]",
    "1 ok cas [0,1]",
    "2 invoke read",
    "2 ok read 0",
  );
  const result = checkLinearizable(history);
  assert.equal(result.valid, false);
  assert.equal(result.evidence!.operation.index, 4);
  assert.equal(result.evidence!.value, 1);
});

Deno.test("checkLinearizable catches a cas that succeeded on a value the register did not hold", () => {
  const history = h(
    "0 invoke write 2",
    "0 ok write 2",
    "1 invoke cas [1,3]",
    "1 ok cas [1,3]",
  );
  const result = checkLinearizable(history);
  assert.equal(result.valid, false);
  assert.match(result.evidence!.summary, /observes 1, a value no operation ever writes/);
});

Deno.test("checkLinearizable accepts a read concurrent with a write returning either value", () => {
  for (const seen of ["null", "1"]) {
    const history = h(
      "0 invoke write 1",
      "1 invoke read",
      `1 ok read ${seen}`,
      "0 ok write 1",
    );
    assert.equal(checkLinearizable(history).valid, true, `read → ${seen}`);
  }
});

Deno.test("checkLinearizable accepts an empty history and one of failed operations only", () => {
  assert.equal(checkLinearizable([]).valid, true);
  assert.equal(checkLinearizable(h("0 invoke cas [1,2]", "0 fail cas [1,2]")).valid, true);
});

// ---- failed and unknown outcomes -----------------------------------------------------

Deno.test("checkLinearizable ignores failed operations: they did not take effect", () => {
  const history = h(
    "0 invoke write 1",
    "0 fail write 1",
    "1 invoke read",
    "1 ok read 1",
  );
  assert.equal(checkLinearizable(history).valid, false);
  assert.equal(checkLinearizable(history.slice(0, 2)).valid, true);
});

Deno.test("checkLinearizable lets an info write take effect long after its invoke", () => {
  const history = h(
    "0 invoke write 1",
    "0 info write 1",
    "1 invoke read",
    "1 ok read null",
    "1 invoke read",
    "1 ok read 1",
  );
  assert.equal(checkLinearizable(history).valid, true);
});

Deno.test("checkLinearizable lets an info write never take effect", () => {
  const history = h(
    "0 invoke write 0",
    "0 ok write 0",
    "1 invoke write 1",
    "1 info write 1",
    "2 invoke read",
    "2 ok read 0",
    "2 invoke read",
    "2 ok read 0",
  );
  assert.equal(checkLinearizable(history).valid, true);
});

Deno.test("checkLinearizable treats an invoke left open at the end as an unknown outcome", () => {
  const history = h("0 invoke write 1", "1 invoke read", "1 ok read 1");
  assert.equal(checkLinearizable(history).valid, true);
});

Deno.test("checkLinearizable never lets an info write take effect before its invoke", () => {
  const history = h(
    "1 invoke read",
    "1 ok read 1",
    "0 invoke write 1",
    "0 info write 1",
  );
  assert.equal(checkLinearizable(history).valid, false);
});

Deno.test("checkLinearizable does not swap unknown cas with the same expected but different new values", () => {
  // Only the second cas may take effect; a checker that treated the two as
  // interchangeable would force the first to go first and reject the history.
  const history = h(
    "0 invoke cas [null,1]",
    "0 info cas [null,1]",
    "1 invoke cas [null,2]",
    "1 info cas [null,2]",
    "2 invoke read",
    "2 ok read 2",
    "2 invoke read",
    "2 ok read 1",
  );
  assert.equal(checkLinearizable(history).valid, false);
  assert.equal(checkLinearizable(history.slice(0, 6)).valid, true);
  assert.equal(bruteForceLinearizable(history.slice(0, 6)), true);
});

Deno.test("checkLinearizable lets identical unknown writes take effect at different times", () => {
  const lines = [
    "0 invoke write 1",
    "0 info write 1",
    "1 invoke write 1",
    "1 info write 1",
    "2 invoke write 2",
    "2 ok write 2",
    "3 invoke read",
    "3 ok read 1",
    "2 invoke write 3",
    "2 ok write 3",
    "3 invoke read",
    "3 ok read 1",
  ];
  assert.equal(checkLinearizable(h(...lines)).valid, true);
  // A third overwrite would need a third write of 1.
  const more = h(...lines, "2 invoke write 4", "2 ok write 4", "3 invoke read", "3 ok read 1");
  assert.equal(checkLinearizable(more).valid, false);
  assert.equal(bruteForceLinearizable(more), false);
});

Deno.test("checkLinearizable drops an unknown write of a value nobody observes", () => {
  const history = h(
    "0 invoke write 7",
    "0 info write 7",
    "1 invoke write 1",
    "1 ok write 1",
    "1 invoke read",
    "1 ok read 1",
  );
  const result = checkLinearizable(history);
  assert.equal(result.valid, true);
  assert.equal(result.keys[0]!.operations, 2, "the write of 7 is not searched");
});

// ---- key-value maps --------------------------------------------------------------------

Deno.test("checkLinearizable checks a key-value map key by key", () => {
  const history = h(
    "0 invoke write 1 key=x",
    "1 invoke write 2 key=y",
    "0 ok write 1 key=x",
    "1 ok write 2 key=y",
    "0 invoke read key=y",
    "0 ok read 2 key=y",
    "1 invoke read key=x",
    "1 ok read 1 key=x",
  );
  const result = checkLinearizable(history);
  assert.equal(result.model, "kv");
  assert.equal(result.valid, true);
  assert.deepEqual(result.keys.map((k) => [k.key, k.valid, k.operations]), [
    ["x", true, 2],
    ["y", true, 2],
  ]);
});

Deno.test("checkLinearizable names the key that is not linearizable", () => {
  const history = h(
    "0 invoke write 1 key=x",
    "0 ok write 1 key=x",
    "0 invoke write 1 key=y",
    "0 ok write 1 key=y",
    "1 invoke read key=y",
    "1 ok read null key=y",
  );
  const result = checkLinearizable(history);
  assert.equal(result.valid, false);
  assert.deepEqual(result.keys.map((k) => k.valid), [true, false]);
  assert.equal(result.evidence!.key, "y");
  assert.match(result.evidence!.summary, /^Key "y": /);
});

Deno.test("checkLinearizable keeps keys apart: a read of x never sees a write of y", () => {
  const history = h(
    "0 invoke write 1 key=y",
    "0 ok write 1 key=y",
    "1 invoke read key=x",
    "1 ok read 1 key=x",
  );
  assert.equal(checkLinearizable(history).valid, false);
});

Deno.test("checkLinearizable's register model rejects records with keys", () => {
  const history = h("0 invoke write 1 key=x", "0 ok write 1 key=x");
  assert.throws(
    () => checkLinearizable(history, { model: "register" }),
    (error: unknown) =>
      error instanceof ModelError && error.index === 0 && /use the kv model/.test(error.message),
  );
});

Deno.test("checkLinearizable's kv model treats keyless records as one register", () => {
  const result = checkLinearizable(h("0 invoke write 1", "0 ok write 1"), { model: "kv" });
  assert.equal(result.model, "kv");
  assert.deepEqual(result.keys.map((k) => k.key), [undefined]);
});

// ---- errors, budgets ---------------------------------------------------------------------

Deno.test("checkLinearizable rejects a function the model does not know, by index", () => {
  const history = h("0 invoke write 1", "0 ok write 1", "1 invoke add 2", "1 ok add 2");
  assert.throws(
    () => checkLinearizable(history),
    (error: unknown) => error instanceof ModelError && error.index === 2,
  );
});

Deno.test("checkLinearizable rejects a malformed history with a HistoryError", () => {
  assert.throws(
    () => checkLinearizable(h("0 ok read 1")),
    (error: unknown) => error instanceof HistoryError && error.index === 0,
  );
});

Deno.test("checkLinearizable ignores the nemesis's records", () => {
  const nemesis = (type: "invoke" | "info", f: string) => ({
    process: "nemesis",
    type,
    f,
    value: null,
  });
  const history = [
    nemesis("invoke", "start"),
    nemesis("info", "start"),
    ...h("0 invoke write 1", "0 ok write 1"),
    nemesis("invoke", "stop"),
    nemesis("info", "stop"),
    ...h("1 invoke read", "1 ok read 1"),
  ];
  const result = checkLinearizable(history);
  assert.equal(result.valid, true);
  assert.equal(result.keys[0]!.operations, 2);
});

Deno.test("checkLinearizable returns unknown when the step budget runs out", () => {
  const history = h(
    "0 invoke write 1",
    "1 invoke write 2",
    "2 invoke write 3",
    "0 ok write 1",
    "1 ok write 2",
    "2 ok write 3",
    "3 invoke read",
    "3 ok read 2",
  );
  assert.equal(checkLinearizable(history).valid, true);
  const result = checkLinearizable(history, { maxSteps: 2 });
  assert.equal(result.valid, "unknown");
  assert.equal(result.steps, 2);
  assert.match(result.reason!, /budget of 2 steps ran out/);
  assert.equal(result.evidence, undefined);
});

Deno.test("checkLinearizable returns unknown when its clock passes the timeout", () => {
  // Fourteen concurrent writes, then reads of 0 and of 13: not linearizable, but only an
  // exhaustive search over the orders of the writes can tell.
  const writes = Array.from({ length: 14 }, (_, p) => `${p} invoke write ${p}`);
  const history = h(
    ...writes,
    ...writes.map((line) => line.replace("invoke", "ok")),
    "20 invoke read",
    "20 ok read 0",
    "20 invoke read",
    "20 ok read 13",
  );
  const exhaustive = checkLinearizable(history);
  assert.equal(exhaustive.valid, false);
  assert.ok(exhaustive.steps > 10_000, `${exhaustive.steps} steps`);
  let now = 0;
  const result = checkLinearizable(history, { timeoutMs: 500, clock: () => (now += 1000) });
  assert.equal(result.valid, "unknown");
  assert.match(result.reason!, /time budget of 500 ms ran out/);
  assert.ok(result.steps < exhaustive.steps);
});

Deno.test("checkLinearizable needs a clock for a timeout and sane budgets", () => {
  assert.throws(() => checkLinearizable([], { timeoutMs: 10 }), TypeError);
  assert.throws(() => checkLinearizable([], { maxSteps: -1 }), RangeError);
  assert.throws(
    () => checkLinearizable([], { model: "queue" as "kv" }),
    /model must be "register" or "kv", got "queue"/,
  );
});
