import assert from "node:assert/strict";
import fc from "fast-check";
import {
  assertPassed,
  checkChooseTimeout,
  checkCompletionTime,
  type CompletionTime,
  ExerciseFailedError,
  ExerciseResult,
  referenceChooseTimeout,
  referenceCompletionTime,
  simulateFanoutCompletion,
  wrongChooseTimeout,
  wrongCompletionTime,
} from "../../lib/exercises/mod.ts";

// ---- choose a timeout ----------------------------------------------------------------

Deno.test("checkChooseTimeout passes the reference answer", () => {
  const result = checkChooseTimeout(referenceChooseTimeout);
  assert.equal(result.passed, true, String(result));
  assert.equal(result.rows.length, 10);
  assert.ok(result.details.some((line) => line.startsWith("✓ False suspicions")));
  assert.ok(result.details.some((line) => line.startsWith("✓ Crash detection")));
});

Deno.test("checkChooseTimeout catches the mean delay: far too many false suspicions", () => {
  const result = checkChooseTimeout(wrongChooseTimeout);
  assert.equal(result.passed, false);
  assert.ok(result.details.some((line) => line.startsWith("✗ False suspicions")));
  assert.ok(result.details.some((line) => line.includes("Aim past the rarest delays")));
});

Deno.test("checkChooseTimeout catches the p99 alone: still too many false suspicions", () => {
  const p99 = (samples: number[]) =>
    samples.sort((a, b) => a - b)[Math.ceil(0.99 * samples.length) - 1]!;
  assert.equal(checkChooseTimeout(p99).passed, false);
});

Deno.test("checkChooseTimeout catches a huge timeout: detection far too slow", () => {
  const result = checkChooseTimeout(() => 5000);
  assert.equal(result.passed, false);
  assert.ok(result.details.some((line) => line.startsWith("✓ False suspicions")));
  assert.ok(result.details.some((line) => line.startsWith("✗ Crash detection")));
});

Deno.test("checkChooseTimeout never throws for an unfinished or broken answer", () => {
  const stub = () => {
    throw new Error("not implemented yet");
  };
  const cases: [unknown, RegExp][] = [
    [stub, /threw: Error: not implemented yet/],
    [() => undefined, /returned undefined: expected a number/],
    [() => NaN, /returned NaN/],
    [() => -5, /must be greater than 0 ms/],
    [() => 1e12, /over an hour/],
    ["not a function", /Expected a function/],
  ];
  for (const [answer, message] of cases) {
    const result = checkChooseTimeout(answer as (samples: number[]) => number);
    assert.equal(result.passed, false);
    assert.match(result.details.join("\n"), message);
  }
  // Longer than the simulator's default time bound: still a verdict, not an exception.
  const glacial = checkChooseTimeout(() => 3_000_000, { seeds: 2 });
  assert.equal(glacial.passed, false);
  assert.match(glacial.details.join("\n"), /✗ Crash detection: 3000 s after the crash/);
});

Deno.test("checkChooseTimeout hands the answer fresh samples for each run", () => {
  const seen: number[][] = [];
  const result = checkChooseTimeout((samples) => {
    seen.push(samples);
    return 200;
  }, { seeds: 3, samples: 50 });
  assert.equal(seen.length, 3);
  assert.ok(seen.every((samples) => samples.length === 50));
  assert.notDeepEqual(seen[0], seen[1]);
  assert.deepEqual(result.rows.map((row) => row.seed), [1, 2, 3]);
});

// ---- aggregate a fan-out -------------------------------------------------------------

Deno.test("simulateFanoutCompletion completes at the needed-th fastest reply", () => {
  assert.equal(simulateFanoutCompletion([30, 10, 20], 2), 20);
  assert.equal(simulateFanoutCompletion([30, 10, 20], 3), 30);
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      (latencies, n) => {
        const needed = 1 + (n % latencies.length);
        const sorted = [...latencies].sort((a, b) => a - b);
        return simulateFanoutCompletion(latencies, needed) === sorted[needed - 1];
      },
    ),
    { numRuns: 50, seed: 3 },
  );
});

Deno.test("checkCompletionTime passes the reference answer", () => {
  const result = checkCompletionTime(referenceCompletionTime);
  assert.equal(result.passed, true, String(result));
  assert.equal(result.counterexample, undefined);
});

Deno.test("checkCompletionTime catches the string sort with a small counterexample", () => {
  const result = checkCompletionTime(wrongCompletionTime);
  assert.equal(result.passed, false);
  const counterexample = result.counterexample as {
    replyLatenciesMs: number[];
    needed: number;
    expectedMs: number;
  };
  assert.ok(counterexample.replyLatenciesMs.length <= 3, JSON.stringify(counterexample));
  // It really is a counterexample: the simulator and the wrong answer disagree on it.
  const { replyLatenciesMs, needed, expectedMs } = counterexample;
  assert.equal(simulateFanoutCompletion(replyLatenciesMs, needed), expectedMs);
  assert.notEqual(wrongCompletionTime([...replyLatenciesMs], needed), expectedMs);
  assert.match(result.details.join("\n"), /Smallest counterexample/);
});

Deno.test("checkCompletionTime catches other typical mistakes and broken stubs without throwing", () => {
  const mistakes: CompletionTime[] = [
    (latencies) => Math.max(...latencies), // ignores `needed`
    (latencies, needed) => [...latencies].sort((a, b) => a - b)[needed]!, // off by one
    (latencies, needed) => latencies.slice(0, needed).reduce((a, b) => Math.max(a, b)), // unsorted
    () => {
      throw new Error("TODO");
    },
  ];
  for (const mistake of mistakes) {
    const result = checkCompletionTime(mistake);
    assert.equal(result.passed, false);
    assert.notEqual(result.counterexample, undefined);
  }
  assert.match(
    checkCompletionTime(mistakes[3]!).details.join("\n"),
    /your function threw Error: TODO/,
  );
  assert.equal(checkCompletionTime(42 as unknown as CompletionTime).passed, false);
});

// ---- results -------------------------------------------------------------------------

Deno.test("ExerciseResult displays a green ✓ box when passed and a red ✗ box when not", () => {
  const passed = new ExerciseResult({ passed: true, title: "T", details: ["fine"] });
  const failed = new ExerciseResult({ passed: false, title: "T", details: ["a < b & c"] });
  const display = (result: ExerciseResult) =>
    (result as unknown as Record<symbol, () => Record<string, string>>)[
      Symbol.for("Jupyter.display")
    ]!();
  const ok = display(passed);
  assert.match(ok["text/html"]!, /✓ T/);
  assert.match(ok["text/html"]!, /#1a7f37/);
  assert.equal(ok["text/plain"], "✓ T\n  - fine");
  const bad = display(failed);
  assert.match(bad["text/html"]!, /✗ T/);
  assert.match(bad["text/html"]!, /#cf222e/);
  assert.match(bad["text/html"]!, /a &lt; b &amp; c/);
  assert.doesNotMatch(bad["text/html"]!, /<script|https?:/);
  assert.equal(String(failed), "✗ T\n  - a < b & c");
});

Deno.test("assertPassed returns a passed result and throws ExerciseFailedError otherwise", () => {
  const passed = new ExerciseResult({ passed: true, title: "T", details: [] });
  assert.equal(assertPassed(passed), passed);
  const failed = checkCompletionTime(wrongCompletionTime);
  assert.throws(
    () => assertPassed(failed),
    (error: unknown) =>
      error instanceof ExerciseFailedError && error.result === failed &&
      error.message.startsWith('Cannot accept the answer to "Aggregate a fan-out": Smallest'),
  );
});
