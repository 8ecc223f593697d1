/**
 * The checker against its naive twin: on thousands of small random histories (reads,
 * writes and cas; ok, fail, info and open operations), the memoised search with its
 * reductions and the brute-force enumeration must agree.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkLinearizable } from "../../lib/check/mod.ts";
import { bruteForceLinearizable, historyArbitrary } from "./helpers.ts";

Deno.test("checkLinearizable agrees with brute force on random register histories", () => {
  const verdicts = { valid: 0, invalid: 0 };
  fc.assert(
    fc.property(historyArbitrary({ maxOperations: 7 }), (history) => {
      const expected = bruteForceLinearizable(history);
      const result = checkLinearizable(history);
      verdicts[expected ? "valid" : "invalid"]++;
      assert.equal(result.valid, expected, JSON.stringify(history));
      if (!expected) assert.ok(result.evidence !== undefined, "an invalid verdict has evidence");
    }),
    { numRuns: 4000, seed: 20240601 },
  );
  // Both verdicts must be well represented, or the comparison proves little.
  assert.ok(verdicts.valid > 800, `only ${verdicts.valid} linearizable histories`);
  assert.ok(verdicts.invalid > 800, `only ${verdicts.invalid} non-linearizable histories`);
});

Deno.test("checkLinearizable agrees with brute force on random key-value histories", () => {
  fc.assert(
    fc.property(historyArbitrary({ maxOperations: 8, keys: 2 }), (history) => {
      assert.equal(checkLinearizable(history).valid, bruteForceLinearizable(history));
    }),
    { numRuns: 1500, seed: 7 },
  );
});

Deno.test("checkLinearizable's evidence prefix replays on a register and stops before the stuck operation", () => {
  fc.assert(
    fc.property(historyArbitrary({ maxOperations: 7 }), (history) => {
      const { evidence } = checkLinearizable(history);
      if (evidence === undefined) return;
      let value: unknown = null;
      for (const op of evidence.linearized) {
        if (op.f === "write") value = op.value;
        else if (op.f === "cas") {
          const [expected, next] = op.value as [unknown, unknown];
          assert.deepEqual(expected, value, "a placed cas found its expected value");
          value = next;
        } else if (op.outcome === "ok") assert.deepEqual(op.output ?? null, value);
        // Real-time order: nothing placed was invoked after the failing completion.
        assert.ok(op.index < evidence.failedAt);
      }
      assert.deepEqual(evidence.value, value);
      assert.ok(!evidence.linearized.some((op) => op.index === evidence.operation.index));
      assert.ok(evidence.pending.some((p) => p.operation.index === evidence.operation.index));
    }),
    { numRuns: 1500, seed: 99 },
  );
});
