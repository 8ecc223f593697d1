import assert from "node:assert/strict";
import fc from "fast-check";
import { checkLinearizable, operationLabel } from "../../lib/check/mod.ts";
import {
  checkPredictions,
  checkRejectedHistory,
  ExerciseResult,
  findSequentialOrder,
  PREDICTION_HISTORIES,
} from "../../lib/exercises/mod.ts";
import { type History, type Operation, pairOperations } from "../../lib/history/mod.ts";
import { h } from "../check/helpers.ts";

/** A reference answer: p1 reads the first write after the second has completed. */
const ANSWER: History = h(
  "0 invoke write 1",
  "0 ok write 1",
  "0 invoke write 2",
  "0 ok write 2",
  "1 invoke read",
  "1 ok read 1",
);

// ---- findSequentialOrder ----------------------------------------------------------------

/** Sequential consistency by enumeration: every interleaving of the processes' operations. */
function bruteForceSequential(history: History): boolean {
  const lanes = [
    ...Map.groupBy(
      pairOperations(history).filter((p) => p.outcome === "ok"),
      (p) => p.process,
    ).values(),
  ];
  const at = lanes.map(() => 0);
  const total = lanes.reduce((sum, lane) => sum + lane.length, 0);
  const go = (value: string, done: number): boolean => {
    if (done === total) return true;
    return lanes.some((lane, i) => {
      const op = lane[at[i]!];
      if (op === undefined) return false;
      let next: string | undefined;
      if (op.f === "write") next = JSON.stringify(op.value);
      else if (op.f === "read") {
        next = JSON.stringify(op.output ?? null) === value ? value : undefined;
      } else {
        const [expected, to] = op.value as [unknown, unknown];
        next = JSON.stringify(expected) === value ? JSON.stringify(to) : undefined;
      }
      if (next === undefined) return false;
      at[i]!++;
      const found = go(next, done + 1);
      at[i]!--;
      return found;
    });
  };
  return go("null", 0);
}

/** Random complete histories of reads, writes and cas (ok or fail) on up to 3 processes. */
const sequentialHistories = fc.array(
  fc.record({
    process: fc.integer({ min: 0, max: 2 }),
    f: fc.constantFrom("read", "write", "cas"),
    value: fc.integer({ min: 0, max: 2 }),
    expected: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
    failed: fc.boolean(),
  }),
  { maxLength: 8 },
).map((steps) => {
  const history: Operation[] = [];
  for (const { process, f, value, expected, failed } of steps) {
    const input = f === "read" ? null : f === "write" ? value : [expected, value];
    history.push({ process, type: "invoke", f, value: input });
    const output = f === "read" ? (expected === null ? null : value) : input;
    history.push({ process, type: f === "cas" && failed ? "fail" : "ok", f, value: output });
  }
  return history;
});

Deno.test("findSequentialOrder agrees with enumerating every interleaving", () => {
  const seen = { consistent: 0, not: 0 };
  fc.assert(
    fc.property(sequentialHistories, (history) => {
      const order = findSequentialOrder(history);
      const expected = bruteForceSequential(history);
      seen[expected ? "consistent" : "not"]++;
      assert.equal(order !== undefined, expected, JSON.stringify(history));
      if (order === undefined) return;
      // The order keeps each process's own order and lists every ok operation once.
      const oks = pairOperations(history).filter((p) => p.outcome === "ok");
      assert.equal(order.length, oks.length);
      for (const process of new Set(oks.map((p) => p.process))) {
        const mine: number[] = order.filter((p) => p.process === process).map((p) => p.invokeIndex);
        assert.deepEqual(mine, [...mine].sort((a, b) => a - b));
      }
    }),
    { numRuns: 1500, seed: 3 },
  );
  assert.ok(seen.consistent > 200 && seen.not > 200, JSON.stringify(seen));
});

Deno.test("findSequentialOrder ignores real time across processes", () => {
  const stale = h("0 invoke write 1", "0 ok write 1", "1 invoke read", "1 ok read null");
  assert.deepEqual(findSequentialOrder(stale)?.map(operationLabel), [
    "p1 read → null",
    "p0 write 1",
  ]);
  assert.equal(checkLinearizable(stale).valid, false);
});

Deno.test("findSequentialOrder rejects unknown outcomes, keys and long histories", () => {
  assert.throws(
    () => findSequentialOrder(h("0 invoke write 1", "0 info write 1")),
    /Cannot search for a sequential order: the operation invoked at 0 has no known outcome/,
  );
  assert.throws(
    () => findSequentialOrder(h("0 invoke write 1 key=x", "0 ok write 1 key=x")),
    RangeError,
  );
  const long = Array.from({ length: 25 }, (_, i) => h(`0 invoke write ${i}`, `0 ok write ${i}`))
    .flat();
  assert.throws(() => findSequentialOrder(long), /25 operations, at most 24/);
});

// ---- checkRejectedHistory ---------------------------------------------------------------

Deno.test("checkRejectedHistory accepts a sequentially consistent history the checker rejects", () => {
  const result = checkRejectedHistory(ANSWER);
  assert.equal(result.passed, true, String(result));
  assert.ok(result instanceof ExerciseResult);
  assert.match(
    result.details.join("\n"),
    /✓ Sequentially consistent, in the order p0 write 1, p1 read → 1, p0 write 2/,
  );
  assert.match(result.details.join("\n"), /✓ The checker rejects it\. p1 read → 1/);
  assert.ok(result.figure !== undefined);
  assert.match(result.figure.html, /history-fail-rule/);
  assert.ok(result.toHtml().includes(result.figure.html), "the figure shows under the box");
});

Deno.test("checkRejectedHistory fails the notebook's empty stub without throwing", () => {
  const result = checkRejectedHistory([]);
  assert.equal(result.passed, false);
  assert.match(result.details[0]!, /^✗ The history is empty/);
  assert.equal(result.figure, undefined);
});

Deno.test("checkRejectedHistory names the bad record of a malformed history", () => {
  for (
    const [input, pattern] of [
      [42, /expected an array of operations, got 42/],
      [[{ process: 0, type: "ok", f: "read", value: 1 }], /operation 0: ok on process 0 without/],
      [[{ process: 0, type: "invoke", f: "write" }], /operation 0: value: is required/],
    ] as const
  ) {
    const result = checkRejectedHistory(input);
    assert.equal(result.passed, false);
    assert.match(result.details[0]!, /^✗ Not a well-formed history: /);
    assert.match(result.details[0]!, pattern);
  }
});

Deno.test("checkRejectedHistory enforces the shape: ok reads and writes of distinct, written values", () => {
  const cases: [History, RegExp][] = [
    [h("0 invoke write 1", "0 ok write 1", "1 invoke read", "1 ok read null"), /returns null/],
    [h("0 invoke write 1", "0 ok write 1", "1 invoke read", "1 ok read 3"), /which no write/],
    [h("0 invoke write 1", "0 ok write 1", "1 invoke write 1", "1 ok write 1"), /give each/],
    [h("0 invoke write 1", "0 info write 1"), /ends in info/],
    [h("0 invoke write 1"), /never completes/],
    [h("0 invoke cas [null,1]", "0 ok cas [null,1]"), /use only read and write/],
    [h("0 invoke write 1 key=x", "0 ok write 1 key=x"), /leave keys out/],
    [h("0 invoke write null", "0 ok write null"), /writes null/],
  ];
  for (const [history, pattern] of cases) {
    const result = checkRejectedHistory(history);
    assert.equal(result.passed, false, JSON.stringify(history));
    assert.equal(result.details.length, 1);
    assert.match(result.details[0]!, pattern);
  }
  const long = Array.from({ length: 17 }, (_, i) => h(`0 invoke write ${i}`, `0 ok write ${i}`))
    .flat();
  assert.match(checkRejectedHistory(long).details[0]!, /17 operations: keep it to 16/);
});

Deno.test("checkRejectedHistory fails a history that is not even sequentially consistent", () => {
  // p1 sees 2 and then 1, although p0 wrote 1 before 2.
  const result = checkRejectedHistory(h(
    "0 invoke write 1",
    "0 ok write 1",
    "0 invoke write 2",
    "0 ok write 2",
    "1 invoke read",
    "1 ok read 2",
    "1 invoke read",
    "1 ok read 1",
  ));
  assert.equal(result.passed, false);
  assert.match(result.details.at(-1)!, /^✗ Not sequentially consistent/);
});

Deno.test("checkRejectedHistory fails a linearizable history and draws the order that fits", () => {
  const result = checkRejectedHistory(h(
    "0 invoke write 1",
    "1 invoke read",
    "0 ok write 1",
    "1 ok read 1",
  ));
  assert.equal(result.passed, false);
  assert.match(result.details.at(-1)!, /^✗ The checker accepts it: .* p0 write 1, p1 read → 1,/);
  assert.match(result.figure!.html, /history-linearization-tick/);
});

// ---- checkPredictions -------------------------------------------------------------------

Deno.test("PREDICTION_HISTORIES: A and C are not linearizable, B is", () => {
  const verdicts = Object.fromEntries(
    Object.entries(PREDICTION_HISTORIES).map((
      [name, { history }],
    ) => [name, checkLinearizable(history).valid]),
  );
  assert.deepEqual(verdicts, { A: false, B: true, C: false });
});

Deno.test("checkPredictions passes the right predictions and explains each", () => {
  const result = checkPredictions({ A: false, B: true, C: false });
  assert.equal(result.passed, true, String(result));
  assert.deepEqual(result.details.map((line) => line.slice(0, 4)), ["✓ A:", "✓ B:", "✓ C:"]);
});

Deno.test("checkPredictions fails wrong and missing predictions, line by line", () => {
  const result = checkPredictions({ A: true, B: true });
  assert.equal(result.passed, false);
  assert.match(result.details[0]!, /^✗ A: you said linearizable, but it is not linearizable: /);
  assert.match(result.details[1]!, /^✓ B: linearizable, as you said/);
  assert.match(result.details[2]!, /^✗ C: no prediction yet/);
});

Deno.test("checkPredictions on the notebook's stub reveals no verdict", () => {
  const result = checkPredictions({ A: undefined, B: undefined, C: undefined });
  assert.equal(result.passed, false);
  assert.ok(result.details.every((line) => /^✗ [ABC]: no prediction yet/.test(line)));
  assert.doesNotMatch(String(result), /linearizable/);
});

Deno.test("checkPredictions rejects values that are not booleans", () => {
  const result = checkPredictions({ A: "no" as unknown as boolean, B: true, C: false });
  assert.match(
    result.details[0]!,
    /^✗ A: expected true \(linearizable\) or false \(not\), got "no"/,
  );
  assert.equal(checkPredictions(null as unknown as object).passed, false);
});
