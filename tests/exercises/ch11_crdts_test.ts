import assert from "node:assert/strict";
import {
  checkOrSetMerge,
  referenceOrSetMerge,
  wrongOrSetMerge,
} from "../../lib/exercises/ch11_crdts.ts";
import type { OrSetState } from "../../lib/crdt/mod.ts";

Deno.test("the OR-Set merge check accepts the reference merge", () => {
  const result = checkOrSetMerge(referenceOrSetMerge);
  assert.equal(result.passed, true, String(result));
});

Deno.test("the OR-Set merge check rejects wrong merges with a small counterexample", () => {
  const wrong = checkOrSetMerge(wrongOrSetMerge);
  assert.equal(wrong.passed, false);
  assert.ok((wrong.counterexample as unknown[]).length <= 4, String(wrong));
  // Keeping the left side only: not commutative.
  const left = checkOrSetMerge((a: OrSetState) => a);
  assert.equal(left.passed, false);
  assert.match(String(left), /merge\(a, b\) differs from merge\(b, a\)|should read/);
  // An answer that throws (the template as given) fails with the message.
  const throws = checkOrSetMerge(() => {
    throw new Error("TODO");
  });
  assert.equal(throws.passed, false);
  assert.match(String(throws), /threw: TODO/);
  assert.equal(checkOrSetMerge(42 as unknown as typeof referenceOrSetMerge).passed, false);
});
