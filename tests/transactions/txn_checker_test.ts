import assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkTransactions,
  describeCycle,
  type MicroOp,
  satisfiesLevel,
  type TxnHistory,
  TxnHistoryError,
  type TxnOperation,
} from "../../lib/transactions/mod.ts";

interface T {
  readonly ops: readonly MicroOp[];
  readonly type?: "ok" | "fail" | "info";
}

/** Every invoke, then every completion: no transaction precedes another in real time. */
function concurrent(...txns: readonly T[]): TxnOperation[] {
  const invokes = txns.map((t, p): TxnOperation => ({
    process: p,
    type: "invoke",
    f: "txn",
    value: t.ops.map((op) => (op[0] === "r" ? ["r", op[1], null] : op)),
  }));
  const completions = txns.map((t, p): TxnOperation => ({
    process: p,
    type: t.type ?? "ok",
    f: "txn",
    value: t.ops,
  }));
  return [...invokes, ...completions];
}

/** One after another, in real time. */
function serial(...txns: readonly T[]): TxnOperation[] {
  return txns.flatMap((t, p) => {
    const [invoke, done] = [concurrent(t)[0]!, concurrent(t)[1]!];
    return [{ ...invoke, process: p }, { ...done, process: p }];
  });
}

const append = (key: string, value: number): MicroOp => ["append", key, value];
const r = (key: string, value: readonly number[] | number | null): MicroOp => ["r", key, value];

Deno.test("checkTransactions: a serial history is strictly serializable", () => {
  const result = checkTransactions(serial(
    { ops: [append("x", 1), r("y", [])] },
    { ops: [r("x", [1]), append("y", 2)] },
    { ops: [r("x", [1]), r("y", [2])] },
  ));
  assert.deepEqual(result.anomalyNames, []);
  assert.equal(result.strongest, "strict-serializable");
});

Deno.test("checkTransactions: G0, a write cycle", () => {
  const result = checkTransactions(concurrent(
    { ops: [append("x", 1), append("y", 1)] },
    { ops: [append("x", 2), append("y", 2)] },
    { ops: [r("x", [1, 2]), r("y", [2, 1])] },
  ));
  assert.ok(result.anomalyNames.includes("G0"));
  assert.deepEqual(result.versionOrders.get("x"), [1, 2]);
  assert.deepEqual(result.versionOrders.get("y"), [2, 1]);
  assert.equal(result.satisfies["read-committed"], false);
  const g0 = result.anomalies.find((a) => a.name === "G0")!;
  assert.ok(g0.cycle!.every((e) => e.kind === "ww"));
  assert.equal(g0.cycle![0]!.from, g0.cycle!.at(-1)!.to);
});

Deno.test("checkTransactions: G1a, a read of an aborted append", () => {
  const result = checkTransactions(concurrent(
    { ops: [append("x", 1)], type: "fail" },
    { ops: [r("x", [1])] },
  ));
  assert.deepEqual(result.anomalyNames, ["G1a"]);
  assert.equal(result.strongest, "none");
});

Deno.test("checkTransactions: G1b, a read of an intermediate version", () => {
  const result = checkTransactions(concurrent(
    { ops: [append("x", 1), append("x", 2)] },
    { ops: [r("x", [1])] },
    { ops: [r("x", [1, 2])] },
  ));
  assert.deepEqual(result.anomalyNames, ["G1b"]);
});

Deno.test("checkTransactions: G1c, circular information flow", () => {
  const result = checkTransactions(concurrent(
    { ops: [append("x", 1), r("y", [2])] },
    { ops: [append("y", 2), r("x", [1])] },
  ));
  assert.deepEqual(result.anomalyNames, ["G1c"]);
  assert.equal(result.satisfies["read-committed"], false);
});

Deno.test("checkTransactions: a lost update is a G-single that snapshot isolation forbids", () => {
  const result = checkTransactions(concurrent(
    { ops: [r("x", []), append("x", 1)] },
    { ops: [r("x", []), append("x", 2)] },
    { ops: [r("x", [1, 2])] },
  ));
  assert.deepEqual(result.anomalyNames, ["G-single", "lost-update"]);
  assert.equal(result.strongest, "read-committed");
});

Deno.test("checkTransactions: read skew is G-single", () => {
  const result = checkTransactions(concurrent(
    { ops: [r("x", []), r("y", [2])] },
    { ops: [append("x", 1), append("y", 2)] },
    { ops: [r("x", [1]), r("y", [2])] },
  ));
  assert.deepEqual(result.anomalyNames, ["G-single"]);
  const cycle = result.anomalies[0]!.cycle!;
  assert.deepEqual(cycle.map((e) => e.kind).sort(), ["rw", "wr"]);
  assert.equal(result.strongest, "read-committed");
});

Deno.test("checkTransactions: write skew is G2-item, allowed by snapshot isolation", () => {
  const result = checkTransactions(concurrent(
    { ops: [r("x", []), r("y", []), append("x", 1)] },
    { ops: [r("x", []), r("y", []), append("y", 2)] },
    { ops: [r("x", [1]), r("y", [2])] },
  ));
  assert.deepEqual(result.anomalyNames, ["G2-item"]);
  assert.equal(result.strongest, "snapshot-isolation");
  const cycle = result.anomalies[0]!.cycle!;
  assert.equal(describeCycle(cycle).split("-rw(").length - 1, 2);
  assert.equal(satisfiesLevel(result, "serializable").valid, false);
});

Deno.test("checkTransactions: a read of a list never appended to (null) reads as empty", () => {
  const result = checkTransactions(concurrent(
    { ops: [r("x", null), r("y", null), append("x", 1)] },
    { ops: [r("x", null), r("y", null), append("y", 2)] },
    { ops: [r("x", [1]), r("y", [2])] },
  ));
  assert.deepEqual(result.anomalyNames, ["G2-item"]);
});

Deno.test("checkTransactions: a stale read after a completed write breaks only strictness", () => {
  const result = checkTransactions(serial(
    { ops: [append("x", 1)] },
    { ops: [r("x", [])] },
    { ops: [r("x", [1])] },
  ));
  assert.deepEqual(result.anomalyNames, ["G-single-realtime"]);
  assert.equal(result.strongest, "serializable");
});

Deno.test("checkTransactions: reads that disagree on the order of versions", () => {
  const result = checkTransactions(concurrent(
    { ops: [append("x", 1)] },
    { ops: [append("x", 2)] },
    { ops: [r("x", [1])] },
    { ops: [r("x", [2])] },
  ));
  assert.ok(result.anomalyNames.includes("incompatible-order"));
});

Deno.test("checkTransactions: a read that misses the transaction's own append", () => {
  const result = checkTransactions(concurrent({ ops: [append("x", 1), r("x", [])] }));
  assert.deepEqual(result.anomalyNames, ["internal"]);
});

Deno.test("checkTransactions: register reads give wr edges and G1a", () => {
  const result = checkTransactions(concurrent(
    { ops: [["w", "k", 5]], type: "fail" },
    { ops: [r("k", 5)] },
  ));
  assert.deepEqual(result.anomalyNames, ["G1a"]);
});

Deno.test("checkTransactions: malformed histories name the record and the reason", () => {
  assert.throws(
    () => checkTransactions([{ process: 0, type: "ok", f: "txn", value: [] }]),
    (e: unknown) =>
      e instanceof TxnHistoryError && e.index === 0 && /without an open invoke/.test(e.message),
  );
  assert.throws(
    () => checkTransactions(concurrent({ ops: [append("x", 1)] }, { ops: [append("x", 1)] })),
    /appears twice/,
  );
  assert.throws(
    () => checkTransactions([{ process: 0, type: "invoke", f: "read", value: [] }]),
    (e: unknown) => e instanceof TxnHistoryError && /record 0: f/.test(e.message),
  );
  assert.throws(() => checkTransactions({}), /expected an array/);
});

// Brute force: a history of committed list-append transactions is serializable when some
// order of them, run one at a time from empty lists, gives every read what it returned;
// strictly serializable when some such order also respects real time.

interface Generated {
  readonly history: TxnHistory;
  readonly txns: readonly { ops: MicroOp[]; type: "ok" | "fail"; start: number; end: number }[];
}

function permutations<A>(items: readonly A[]): A[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])
  );
}

function bruteForce(generated: Generated, strict: boolean): boolean {
  const committed = generated.txns.filter((t) => t.type === "ok");
  return permutations(committed).some((order) => {
    if (strict) {
      for (let i = 0; i < order.length; i++) {
        for (let j = i + 1; j < order.length; j++) {
          if (order[j]!.end < order[i]!.start) return false;
        }
      }
    }
    const state = new Map<string, number[]>();
    for (const txn of order) {
      for (const op of txn.ops) {
        const list = state.get(op[1]) ?? [];
        if (op[0] === "append") state.set(op[1], [...list, op[2]]);
        else if (JSON.stringify(op[2]) !== JSON.stringify(list)) return false;
      }
    }
    return true;
  });
}

/** Up to four transactions over x and y, reading random prefixes of a random version order, then a reader of everything. */
const historyArbitrary: fc.Arbitrary<Generated> = fc.record({
  shapes: fc.array(
    fc.record({
      ops: fc.array(fc.record({ read: fc.boolean(), key: fc.constantFrom("x", "y") }), {
        minLength: 1,
        maxLength: 3,
      }),
      aborted: fc.integer({ min: 0, max: 9 }),
      start: fc.integer({ min: 0, max: 20 }),
      length: fc.integer({ min: 1, max: 20 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  shuffle: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 12, maxLength: 12 }),
  prefixes: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 12, maxLength: 12 }),
  dirty: fc.boolean(),
}).map(({ shapes, shuffle, prefixes, dirty }) => {
  let value = 0;
  const txns = shapes.map((s) => ({
    ops: s.ops.map((
      { read, key },
    ): MicroOp => (read ? ["r", key, null] : ["append", key, ++value])),
    type: s.aborted === 0 ? "fail" as const : "ok" as const,
    start: s.start,
    end: s.start + s.length,
  }));
  // A version order per key: every append (an aborted one only when `dirty`), shuffled.
  const order = new Map<string, number[]>();
  for (const key of ["x", "y"]) {
    const values = txns.flatMap((t) =>
      t.type === "fail" && !dirty ? [] : t.ops.filter((o) => o[0] === "append" && o[1] === key)
    ).map((o) => o[2] as number);
    values.sort((a, b) => (shuffle[a % 12]! - shuffle[b % 12]!) || a - b);
    order.set(key, values);
  }
  let n = 0;
  for (const txn of txns) {
    txn.ops = txn.ops.map((op) => {
      if (op[0] !== "r") return op;
      const versions = order.get(op[1])!;
      return ["r", op[1], versions.slice(0, prefixes[n++ % 12]! % (versions.length + 1))];
    });
  }
  const reader = {
    ops: ["x", "y"].map((key): MicroOp => ["r", key, order.get(key)!]),
    type: "ok" as const,
    start: 100,
    end: 101,
  };
  const all = [...txns, reader];
  // Records in time order: invokes at start, completions at end (invokes first on ties).
  const events = all.flatMap((t, p) => [
    {
      at: t.start,
      first: 0,
      op: {
        process: p,
        type: "invoke",
        f: "txn",
        value: t.ops.map((o) => o[0] === "r" ? ["r", o[1], null] : o),
      },
    },
    { at: t.end, first: 1, op: { process: p, type: t.type, f: "txn", value: t.ops } },
  ]).sort((a, b) => a.at - b.at || a.first - b.first);
  return { history: events.map((e) => e.op) as TxnOperation[], txns: all };
});

Deno.test("checkTransactions agrees with brute force on serializability", () => {
  let serializable = 0, total = 0;
  fc.assert(
    fc.property(historyArbitrary, (generated) => {
      const result = checkTransactions(generated.history);
      const expected = bruteForce(generated, false);
      total++;
      if (expected) serializable++;
      assert.equal(
        result.satisfies.serializable,
        expected,
        `${JSON.stringify(generated.history)} → ${result.anomalyNames.join(", ")}`,
      );
    }),
    { numRuns: 1_500, seed: 12 },
  );
  // Both verdicts occur often enough for the comparison to mean something.
  assert.ok(serializable > total * 0.1 && serializable < total * 0.9, `${serializable}/${total}`);
});

Deno.test("checkTransactions agrees with brute force on strict serializability", () => {
  fc.assert(
    fc.property(historyArbitrary, (generated) => {
      const result = checkTransactions(generated.history);
      assert.equal(
        result.satisfies["strict-serializable"],
        bruteForce(generated, true),
        `${JSON.stringify(generated.history)} → ${result.anomalyNames.join(", ")}`,
      );
    }),
    { numRuns: 1_500, seed: 13 },
  );
});
