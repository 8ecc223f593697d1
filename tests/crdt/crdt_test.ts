import assert from "node:assert/strict";
import fc from "fast-check";
import {
  canonicalJson,
  gCounter,
  gSet,
  jsonBytes,
  lwwRegister,
  mvRegister,
  orSet,
  pnCounter,
  rga,
  shoppingCartRun,
  type TextOp,
  twoPhaseSet,
  typeText,
  update,
} from "../../lib/crdt/mod.ts";

Deno.test("canonicalJson sorts keys at every level; jsonBytes counts UTF-8 bytes", () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
  assert.equal(jsonBytes({ a: "é" }), 10);
});

Deno.test("counters: increments from different replicas add up; decrements subtract", () => {
  const a = update(gCounter, gCounter.initial(), "a", 2);
  const b = update(gCounter, update(gCounter, gCounter.initial(), "b", 3), "b", 1);
  assert.equal(gCounter.value(gCounter.merge(a, b)), 6);
  assert.throws(() => gCounter.delta({}, "a", -1), /Cannot increment a G-Counter by -1/);
  let s = update(pnCounter, pnCounter.initial(), "a", 5);
  s = update(pnCounter, s, "b", -2);
  assert.equal(pnCounter.value(pnCounter.merge(s, s)), 3);
});

Deno.test("sets: a 2P-Set never re-adds; an OR-Set re-adds and lets a concurrent add win", () => {
  assert.deepEqual(gSet.value(gSet.merge(["a", "c"], ["b"])), ["a", "b", "c"]);
  let two = update(twoPhaseSet, twoPhaseSet.initial(), "a", { kind: "add", element: "x" });
  two = update(twoPhaseSet, two, "a", { kind: "remove", element: "x" });
  two = update(twoPhaseSet, two, "a", { kind: "add", element: "x" });
  assert.deepEqual(twoPhaseSet.value(two), []);

  const base = update(orSet, orSet.initial(), "a", { kind: "add", element: "x" });
  const removed = update(orSet, base, "a", { kind: "remove", element: "x" });
  assert.deepEqual(orSet.value(removed), []);
  const concurrent = update(orSet, base, "b", { kind: "add", element: "x" });
  assert.deepEqual(orSet.value(orSet.merge(removed, concurrent)), ["x"]);
  // A remove that has seen both adds removes both.
  const both = update(orSet, orSet.merge(removed, concurrent), "a", {
    kind: "remove",
    element: "x",
  });
  assert.deepEqual(orSet.value(orSet.merge(both, concurrent)), []);
});

Deno.test("registers: last-writer-wins drops the older write; a multi-value register keeps siblings", () => {
  const a = update(lwwRegister, null, "a", { value: "x", timeMs: 10 });
  const b = update(lwwRegister, null, "b", { value: "y", timeMs: 5 });
  assert.equal(lwwRegister.value(lwwRegister.merge(b, a)), "x");

  const ma = update(mvRegister, [], "a", { value: "x", timeMs: 0 });
  const mb = update(mvRegister, [], "b", { value: "y", timeMs: 0 });
  const both = mvRegister.merge(ma, mb);
  assert.deepEqual(mvRegister.value(both), ["x", "y"]);
  // A write that has seen both siblings replaces them.
  const resolved = update(mvRegister, both, "a", { value: "z", timeMs: 0 });
  assert.deepEqual(mvRegister.value(mvRegister.merge(resolved, mb)), ["z"]);
});

Deno.test("rga: concurrent typing at the same place keeps each word whole", () => {
  const base = typeText(rga.initial(), "a", 0, "[]");
  const hello = typeText(base, "a", 1, "hello");
  const world = typeText(base, "b", 1, "world");
  const merged = rga.value(rga.merge(hello, world));
  assert.ok(merged === "[helloworld]" || merged === "[worldhello]", merged);
  assert.equal(rga.value(rga.merge(world, hello)), merged);
  const deleted = update(rga, rga.merge(hello, world), "a", { kind: "delete", index: 0 });
  assert.equal(rga.value(deleted), merged.slice(1));
  assert.throws(
    () => rga.delta(base, "a", { kind: "insert", index: 5, char: "x" }),
    /Cannot insert at index 5/,
  );
});

Deno.test("the shopping cart: LWW loses the add, siblings bring the eggs back, the OR-Set keeps both", () => {
  const rows = Object.fromEntries(shoppingCartRun().map((r) => [r.strategy, r]));
  assert.deepEqual(
    [rows["last-writer-wins"]?.cart, rows["siblings, union on read"]?.cart, rows["or-set"]?.cart],
    ["milk", "bread, eggs, milk", "bread, milk"],
  );
  assert.equal(rows["siblings, union on read"]?.siblings, 2);
  // With the add stamped later, last-writer-wins loses the remove instead.
  const later = shoppingCartRun({ removeAtMs: 10, addAtMs: 12 })[0];
  assert.equal(later?.cart, "bread, eggs, milk");
});

Deno.test("rga against a plain string: edits passed between replicas in turn give the same text", () => {
  // Differential test: when each replica sees every earlier edit before making its own,
  // there is no concurrency and the RGA must behave exactly like one string.
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(2), fc.nat(), fc.boolean()), { maxLength: 40 }),
      (edits) => {
        let state = rga.initial();
        let text = "";
        for (const [replica, at, insert] of edits) {
          const op: TextOp = insert || text.length === 0
            ? {
              kind: "insert",
              index: at % (text.length + 1),
              char: String.fromCharCode(97 + at % 26),
            }
            : { kind: "delete", index: at % text.length };
          state = update(rga, state, `r${replica}`, op);
          text = op.kind === "insert"
            ? text.slice(0, op.index) + op.char + text.slice(op.index)
            : text.slice(0, op.index) + text.slice(op.index + 1);
          assert.equal(rga.value(state), text);
        }
      },
    ),
    { numRuns: 300 },
  );
});
