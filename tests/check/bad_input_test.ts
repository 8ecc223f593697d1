/** The checker on inputs found to break it: object values, mismatched writes, big histories. */
import assert from "node:assert/strict";
import { checkLinearizable, ModelError } from "../../lib/check/mod.ts";
import { historyToJson, type Operation } from "../../lib/history/mod.ts";
import { Random } from "../../lib/sim/mod.ts";
import { runTool } from "../run_tool.ts";

Deno.test("checkLinearizable compares object values by structure, not by key order", () => {
  const history: Operation[] = [
    { process: 0, type: "invoke", f: "write", value: { a: 1, b: [2, { c: 3, d: 4 }] } },
    { process: 0, type: "ok", f: "write", value: { a: 1, b: [2, { c: 3, d: 4 }] } },
    { process: 1, type: "invoke", f: "read", value: null },
    { process: 1, type: "ok", f: "read", value: { b: [2, { d: 4, c: 3 }], a: 1 } },
    { process: 1, type: "invoke", f: "cas", value: [{ b: [2, { d: 4, c: 3 }], a: 1 }, 5] },
    { process: 1, type: "ok", f: "cas", value: [{ b: [2, { d: 4, c: 3 }], a: 1 }, 5] },
  ];
  assert.equal(checkLinearizable(history).valid, true);
  // Different structure is still a different value.
  const wrong = structuredClone(history);
  (wrong[3] as { value: unknown }).value = { a: 1, b: [2, { c: 3, d: 5 }] };
  assert.equal(checkLinearizable(wrong).valid, false);
});

Deno.test("A write whose ok carries another value than its invoke is malformed input", () => {
  const history: Operation[] = [
    { process: 0, type: "invoke", f: "write", value: 3 },
    { process: 0, type: "ok", f: "write", value: 4 },
  ];
  assert.throws(() => checkLinearizable(history), (error: unknown) => {
    assert.ok(error instanceof ModelError);
    assert.equal(
      error.message,
      "Cannot check history: operation 1: the ok of a write carries 4, but its invoke " +
        "(operation 0) wrote 3",
    );
    return true;
  });
  // An ok without a value, or with the same value in another key order, is fine.
  assert.equal(
    checkLinearizable([history[0]!, { process: 0, type: "ok", f: "write", value: undefined }])
      .valid,
    true,
  );
  assert.equal(
    checkLinearizable([
      { process: 0, type: "invoke", f: "write", value: { x: 1, y: 2 } },
      { process: 0, type: "ok", f: "write", value: { y: 2, x: 1 } },
    ]).valid,
    true,
  );
});

Deno.test("check-history exits 2 for a write whose ok carries another value", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/mismatch.json`;
    await Deno.writeTextFile(
      path,
      historyToJson([
        { process: 0, type: "invoke", f: "write", value: 3 },
        { process: 0, type: "ok", f: "write", value: 4 },
      ]),
    );
    const run = await runTool("tools/check_history.ts", [path], {
      permissions: ["--allow-read"],
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /the ok of a write carries 4, but its invoke \(operation 0\) wrote 3/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A linearizable history of `ops` reads and writes by `processes` concurrent processes:
 * each operation takes effect at its completion.
 */
function concurrentHistory(ops: number, processes: number, seed: number): Operation[] {
  const random = new Random(seed);
  const history: Operation[] = [];
  const open = new Map<number, Operation>();
  let value: number | null = null;
  let done = 0;
  while (done < ops) {
    const process = random.int(0, processes);
    const invoke = open.get(process);
    if (invoke === undefined) {
      const f = random.chance(0.5) ? "read" : "write";
      const op: Operation = {
        process,
        type: "invoke",
        f,
        value: f === "write" ? random.int(0, 5) : null,
      };
      history.push(op);
      open.set(process, op);
      continue;
    }
    if (invoke.f === "write") value = invoke.value as number;
    history.push({
      process,
      type: "ok",
      f: invoke.f,
      value: invoke.f === "read" ? value : invoke.value,
    });
    open.delete(process);
    done++;
  }
  return history;
}

Deno.test("The checker's memory per configuration stays small on a long concurrent history", () => {
  // Each configuration used to keep a bitset of the whole history (a kilobyte per
  // configuration at 20,000 operations, gigabytes at 100,000); it keeps a window now.
  const result = checkLinearizable(concurrentHistory(20_000, 8, 3));
  assert.equal(result.valid, true);
  const key = result.keys[0]!;
  assert.ok(key.configurations > 10_000, `${key.configurations} configurations`);
  const perConfiguration = key.memoryBytes / key.configurations;
  assert.ok(perConfiguration < 200, `${perConfiguration.toFixed(0)} bytes per configuration`);
});

Deno.test("A memory budget bounds the memo without changing the verdict", () => {
  const history = concurrentHistory(3_000, 6, 5);
  const free = checkLinearizable(history);
  const tight = checkLinearizable(history, { maxMemoryBytes: 64 * 1024 });
  assert.equal(free.valid, true);
  assert.equal(tight.valid, true);
  assert.ok(tight.keys[0]!.memoryBytes <= 64 * 1024, `${tight.keys[0]!.memoryBytes} bytes`);
  // A broken history stays broken under any budget.
  const broken = structuredClone(history);
  const read = broken.findLastIndex((op) => op.type === "ok" && op.f === "read");
  (broken[read] as { value: unknown }).value = 4 === (broken[read]!.value as number) ? 3 : 4;
  for (const maxMemoryBytes of [0, 64 * 1024, undefined]) {
    const result = checkLinearizable(broken, { maxMemoryBytes, maxSteps: 2_000_000 });
    assert.notEqual(result.valid, true, `budget ${maxMemoryBytes}`);
    if (result.valid === "unknown") assert.match(result.reason!, /memory budget/);
  }
  assert.throws(() => checkLinearizable(history, { maxMemoryBytes: NaN }), RangeError);
});
