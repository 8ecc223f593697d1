import assert from "node:assert/strict";
import {
  checkPreparedPredicate,
  checkSmallestN,
  referencePrepared,
} from "../../lib/exercises/ch07_pbft.ts";

Deno.test("checkSmallestN accepts 7 and refuses 6 (too few) and 8 (not the smallest)", () => {
  const right = checkSmallestN(7, { seeds: 6 });
  assert.ok(right.passed, right.toString());
  const few = checkSmallestN(6, { seeds: 6 });
  assert.equal(few.passed, false);
  assert.match(few.toString(), /With n = 6/);
  const many = checkSmallestN(8, { seeds: 6 });
  assert.equal(many.passed, false);
  assert.match(many.toString(), /not the smallest/);
  assert.equal(checkSmallestN(2.5).passed, false);
});

Deno.test("checkPreparedPredicate accepts the paper's rule", () => {
  const result = checkPreparedPredicate(referencePrepared, { seeds: 8 });
  assert.ok(result.passed, result.toString());
});

Deno.test("checkPreparedPredicate catches a rule that ignores digests, the primary, or 2f", () => {
  const wrong = [
    // Counts every prepare for the slot, whatever its digest.
    ({ prePrepare, prepares, f, primary }: Parameters<typeof referencePrepared>[0]) =>
      prePrepare !== undefined &&
      prepares.filter((p) =>
          p.view === prePrepare.view && p.seq === prePrepare.seq && p.from !== primary
        )
          .length >= 2 * f,
    // Counts the primary's prepare.
    ({ prePrepare, prepares, f }: Parameters<typeof referencePrepared>[0]) =>
      prePrepare !== undefined &&
      prepares.filter((p) =>
          p.view === prePrepare.view && p.seq === prePrepare.seq && p.digest === prePrepare.digest
        ).length >= 2 * f,
    // f matching prepares instead of 2f.
    ({ prePrepare, prepares, f, primary }: Parameters<typeof referencePrepared>[0]) =>
      referencePrepared({ prePrepare, prepares, f: Math.ceil(f / 2), primary }),
  ];
  for (const rule of wrong) {
    const result = checkPreparedPredicate(rule, { seeds: 4 });
    assert.equal(result.passed, false);
    assert.ok(result.counterexample !== undefined, result.toString());
  }
  assert.equal(checkPreparedPredicate(42 as never).passed, false);
});
