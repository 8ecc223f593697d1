import assert from "node:assert/strict";
import {
  checkChooseVnodes,
  checkRendezvous,
  moduloPickNode,
  referenceChooseVnodes,
  referencePickNode,
} from "../../lib/exercises/mod.ts";

Deno.test("checkChooseVnodes passes the reference and catches k = 1/target and a huge k", () => {
  const reference = checkChooseVnodes(referenceChooseVnodes);
  assert.equal(reference.passed, true, String(reference));
  assert.equal(reference.rows.length, 3);
  const linear = checkChooseVnodes((_nodes, target) => Math.ceil(1 / target));
  assert.equal(linear.passed, false);
  assert.ok(linear.details.some((line) => line.includes("above the target")));
  const wasteful = checkChooseVnodes(() => 50_000);
  assert.equal(wasteful.passed, false);
  assert.ok(wasteful.details.some((line) => line.includes("wasteful")));
});

Deno.test("checkChooseVnodes never throws for an unfinished or broken answer", () => {
  for (
    const answer of [() => 0, () => 2.5, () => NaN, () => {
      throw new Error("todo");
    }]
  ) {
    assert.equal(checkChooseVnodes(answer as () => number).passed, false);
  }
  assert.equal(checkChooseVnodes("k" as unknown as () => number).passed, false);
});

Deno.test("checkRendezvous passes highest random weight and catches hash mod n", () => {
  assert.equal(checkRendezvous(referencePickNode).passed, true);
  const modulo = checkRendezvous(moduloPickNode);
  assert.equal(modulo.passed, false);
  assert.ok(modulo.details.some((line) => line.startsWith("✗ A node joins")));
  // Always the first node: consistent, but not balanced.
  const first = checkRendezvous((_key, nodes) => nodes[0]!);
  assert.equal(first.passed, false);
  assert.ok(first.details.some((line) => line.startsWith("✗ Balance")));
});

Deno.test("checkRendezvous never throws for an unfinished or broken answer", () => {
  assert.equal(checkRendezvous(() => "nobody").passed, false);
  assert.equal(
    checkRendezvous(() => {
      throw new Error("todo");
    }).passed,
    false,
  );
});
