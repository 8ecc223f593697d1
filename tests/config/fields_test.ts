import assert from "node:assert/strict";
import {
  integerAtLeast,
  nodeIdField,
  nonNegativeMs,
  nonNegativeNumber,
  positiveMs,
  positiveNumber,
  probability,
  seedField,
  withDefaults,
} from "../../lib/mod.ts";
import { z } from "zod";

/** Asserts which of `values` the field accepts. */
function accepts(field: z.ZodType, good: unknown[], bad: unknown[]): void {
  for (const value of good) {
    assert.equal(field.safeParse(value).success, true, `rejected ${String(value)}`);
  }
  for (const value of bad) {
    assert.equal(field.safeParse(value).success, false, `accepted ${String(value)}`);
  }
}

Deno.test("Field helpers accept exactly their documented ranges", () => {
  accepts(probability(), [0, 0.5, 1], [-0.01, 1.01, NaN, Infinity, "0.5"]);
  accepts(nonNegativeMs(), [0, 1e9], [-1e-9, NaN, Infinity]);
  accepts(positiveMs(), [1e-9, 5], [0, -1, Infinity]);
  accepts(positiveNumber(), [1e-9], [0, -1]);
  accepts(nonNegativeNumber(), [0, 3.5], [-0.1]);
  accepts(integerAtLeast(2), [2, 100], [1, 2.5, NaN]);
  accepts(seedField(), [0, 42, 4294967295], [-1, 4294967296, 0.5]);
  accepts(nodeIdField(), ["n1", "client-3", "a/b"], ["", "has space", "tab\there", 5]);
});

Deno.test("Field helpers say the rule in words", () => {
  const first = (field: z.ZodType, value: unknown) =>
    field.safeParse(value).error?.issues[0]?.message;
  assert.equal(first(probability(), 2), "must be between 0 and 1");
  assert.equal(first(probability(), -1), "must be between 0 and 1");
  assert.equal(first(nonNegativeMs(), -1), "must be at least 0 ms");
  assert.equal(first(positiveMs(), 0), "must be greater than 0 ms");
  assert.equal(first(positiveNumber(), 0), "must be greater than 0");
  assert.equal(first(nonNegativeNumber(), -1), "must be at least 0");
  assert.equal(first(integerAtLeast(3), 1), "must be at least 3");
  assert.equal(first(seedField(), -1), "must be between 0 and 4294967295");
  assert.equal(first(nodeIdField(), ""), "must be a non-empty name without spaces");
});

Deno.test("withDefaults replaces a default, keeping the field's rule and description", () => {
  const Options = z.strictObject({
    timeoutMs: positiveMs().default(150).describe("Timeout, in ms"),
    retries: z.number().default(3),
  });
  const Fast = z.strictObject(withDefaults(Options.shape, { timeoutMs: 50 }));
  assert.deepEqual(Fast.parse({}), { timeoutMs: 50, retries: 3 });
  assert.deepEqual(Options.parse({}), { timeoutMs: 150, retries: 3 }, "the original is unchanged");
  assert.equal(Fast.shape.timeoutMs.description, "Timeout, in ms");
  assert.equal(Fast.safeParse({ timeoutMs: -1 }).success, false);
  assert.throws(
    () => withDefaults({ x: z.number() }, { x: 1 }),
    /Cannot override the default of "x"/,
  );
});
