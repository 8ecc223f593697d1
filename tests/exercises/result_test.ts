import assert from "node:assert/strict";
import { ExerciseResult, notAFunction, tryCases } from "../../lib/exercises/result.ts";
import type { Figure } from "../../lib/viz/figure.ts";

Deno.test("tryCases rows every case and explains each wrong one, a throw included", () => {
  const outcome = tryCases({
    cases: [[1, 2], [5, 3], [0, 0]] as const,
    expected: ([a, b]) => Math.max(a, b),
    answer: ([a]) => {
      if (a === 0) throw new Error("zero");
      return a;
    },
    columns: ([a, b]) => ({ a, b }),
    describe: ([a, b]) => `max(${a}, ${b})`,
    why: () => "the larger",
  });
  assert.equal(outcome.count, 3);
  assert.deepEqual(outcome.rows.map((r) => [r.expected, r.yours, r.agrees]), [
    [2, 1, false],
    [5, 5, true],
    [0, "threw zero", false],
  ]);
  assert.deepEqual(outcome.wrong, [
    "max(1, 2): expected 2, got 1 (the larger).",
    "max(0, 0): expected 0, got threw zero (the larger).",
  ]);
});

Deno.test("a result shows its figures under the box, skipping missing ones", () => {
  const figure = { html: "<figure>f</figure>" } as Figure;
  const result = new ExerciseResult({
    passed: true,
    title: "t",
    details: [],
    figures: [undefined, figure],
  });
  assert.equal(result.figure, figure);
  assert.ok(result.toHtml().endsWith("<div><figure>f</figure></div>"));
  assert.equal(
    String(notAFunction("t", "() => 1", 3)),
    "✗ t\n  - Expected a function () => 1, got number.",
  );
});
