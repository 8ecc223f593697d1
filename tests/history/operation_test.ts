import assert from "node:assert/strict";
import {
  HistoryError,
  pairOperations,
  parseHistory,
  safeParseHistory,
} from "../../lib/history/mod.ts";

const w = (process: number | string, type: string, value: unknown = 1, f = "write") => ({
  process,
  type,
  f,
  value,
});

/** Asserts that parsing fails at `index` with a reason matching `reason`. */
function rejects(input: unknown, index: number | undefined, reason: RegExp): void {
  assert.throws(
    () => parseHistory(input),
    (error: unknown) => {
      assert.ok(error instanceof HistoryError, String(error));
      assert.equal(error.index, index, error.message);
      assert.match(error.reason, reason);
      assert.ok(error.message.startsWith("Cannot read history: "), error.message);
      return true;
    },
  );
}

Deno.test("parseHistory accepts a well-formed history and drops unknown fields", () => {
  const history = parseHistory([
    { ...w(0, "invoke"), time: 1, index: 0, extra: "x" },
    { ...w(0, "ok"), time: 2, index: 1 },
  ]);
  assert.deepEqual(history[0], {
    process: 0,
    type: "invoke",
    f: "write",
    value: 1,
    time: 1,
    index: 0,
  });
});

Deno.test("parseHistory rejects an ok without an invoke, naming its index", () => {
  rejects([w(0, "invoke"), w(0, "ok"), w(1, "ok")], 2, /^ok on process 1 without an open invoke$/);
});

Deno.test("parseHistory rejects two open invokes on one process", () => {
  rejects(
    [w(0, "invoke"), w(1, "invoke"), w(0, "invoke")],
    2,
    /^invoke on process 0 while its invoke at 0 is still open$/,
  );
});

Deno.test("parseHistory rejects a process that goes on after an info", () => {
  rejects([w(3, "invoke"), w(3, "info"), w(3, "invoke")], 2, /after its info at 1/);
  rejects([w(3, "invoke"), w(3, "info"), w(3, "ok")], 2, /^ok on process 3 after its info at 1$/);
});

Deno.test("parseHistory rejects a completion of another function or key", () => {
  rejects(
    [w(0, "invoke"), w(0, "ok", 1, "read")],
    1,
    /of f "read" completes an invoke of f "write" at 0/,
  );
  rejects(
    [{ ...w(0, "invoke"), key: "x" }, { ...w(0, "ok"), key: "y" }],
    1,
    /key "y" differs from the key "x" of its invoke at 0/,
  );
});

Deno.test("parseHistory rejects times that go backwards", () => {
  rejects(
    [{ ...w(0, "invoke"), time: 5 }, { ...w(0, "ok"), time: 4 }],
    1,
    /time 4 is before the previous record's time 5/,
  );
});

Deno.test("parseHistory names the field and rule of a malformed record", () => {
  rejects(
    [w(0, "invoke"), w(0, "done")],
    1,
    /^type: must be one of "invoke", "ok", "fail", "info", got "done"$/,
  );
  rejects([w(-1, "invoke")], 0, /^process: /);
  rejects([{ type: "invoke", f: "read", value: null }], 0, /^process: is required/);
  rejects([w(0, "invoke", 3, "cas")], 0, /^value: a cas must carry \[expected, new\], got 3$/);
  rejects(
    [{ process: 0, type: "invoke", f: "write" }],
    0,
    /^value: is required \(null for none\)$/,
  );
  rejects([w(0, "invoke"), 7], 1, /must be an operation object, got 7/);
  rejects([{ ...w(0, "invoke"), key: 5 }], 0, /^key: must be a string, got 5$/);
});

Deno.test("parseHistory rejects what is not an array", () => {
  rejects({ ops: [] }, undefined, /expected an array of operations/);
});

Deno.test("safeParseHistory returns the error instead of throwing", () => {
  const bad = safeParseHistory([w(0, "ok")]);
  assert.equal(bad.success, false);
  if (!bad.success) assert.equal(bad.error.index, 0);
  const good = safeParseHistory([w(0, "invoke"), w(0, "ok")]);
  assert.equal(good.success, true);
});

Deno.test("pairOperations pairs invokes with completions in invoke order", () => {
  const pairs = pairOperations(parseHistory([
    w(0, "invoke", 1),
    { process: 1, type: "invoke", f: "read", value: null },
    w(0, "ok", 1),
    { process: 1, type: "ok", f: "read", value: 1 },
    w(2, "invoke", 2),
    w(2, "fail", 2),
    w(3, "invoke", 4),
  ]));
  assert.deepEqual(
    pairs.map((p) => [p.process, p.f, p.outcome, p.output, p.invokeIndex, p.completeIndex]),
    [
      [0, "write", "ok", 1, 0, 2],
      [1, "read", "ok", 1, 1, 3],
      [2, "write", "fail", 2, 4, 5],
      [3, "write", "info", undefined, 6, undefined],
    ],
  );
});

Deno.test("pairOperations lets the nemesis go on after its info records", () => {
  const nemesis = (type: string) => ({ process: "nemesis", type, f: "partition", value: null });
  const history = [nemesis("invoke"), nemesis("info"), nemesis("invoke"), nemesis("info")];
  assert.equal(pairOperations(parseHistory(history)).length, 2);
});
