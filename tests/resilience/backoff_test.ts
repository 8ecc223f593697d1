import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "../../lib/config/mod.ts";
import {
  Backoff,
  BACKOFF_STRATEGIES,
  backoffRange,
  cappedExponentialMs,
} from "../../lib/resilience/mod.ts";
import { Random } from "../../lib/sim/mod.ts";

const settings = fc.record({
  baseMs: fc.double({ min: 0.1, max: 100, noNaN: true }),
  capFactor: fc.double({ min: 1, max: 1000, noNaN: true }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  attempts: fc.integer({ min: 1, max: 80 }),
});

Deno.test("every strategy's sleeps stay in their range and under the cap", () => {
  fc.assert(
    fc.property(settings, fc.constantFrom(...BACKOFF_STRATEGIES), (s, strategy) => {
      const capMs = s.baseMs * s.capFactor;
      const backoff = new Backoff({ strategy, baseMs: s.baseMs, capMs }, new Random(s.seed));
      let previousMs = s.baseMs;
      for (let attempt = 1; attempt <= s.attempts; attempt++) {
        const [min, max] = backoffRange(strategy, attempt, { baseMs: s.baseMs, capMs, previousMs });
        const sleep = backoff.next(attempt);
        assert.ok(sleep >= min && sleep <= max, `${strategy} attempt ${attempt}: ${sleep}`);
        assert.ok(sleep <= capMs);
        previousMs = sleep;
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("capped exponential doubles from base·2 until it reaches the cap, then stays", () => {
  fc.assert(fc.property(settings, (s) => {
    const capMs = s.baseMs * s.capFactor;
    let previous = 0;
    for (let attempt = 1; attempt <= s.attempts; attempt++) {
      const v = cappedExponentialMs(attempt, s.baseMs, capMs);
      assert.ok(v >= previous);
      assert.equal(v, Math.min(capMs, s.baseMs * 2 ** attempt));
      previous = v;
    }
    assert.equal(cappedExponentialMs(2000, s.baseMs, capMs), capMs); // no overflow to NaN
  }));
  assert.equal(cappedExponentialMs(1, 5, 2000), 10); // the first retry is attempt 1
  assert.throws(() => cappedExponentialMs(0, 5, 2000), RangeError);
});

Deno.test("full jitter is uniform under the envelope, equal jitter in its upper half", () => {
  const random = new Random(3);
  const full = new Backoff({ strategy: "full", baseMs: 5, capMs: 2000 }, random.child("f"));
  const equal = new Backoff({ strategy: "equal", baseMs: 5, capMs: 2000 }, random.child("e"));
  const n = 20_000;
  let fullSum = 0, equalSum = 0, fullBelowQuarter = 0;
  for (let i = 0; i < n; i++) {
    const f = full.next(4); // envelope 80 ms
    fullSum += f;
    if (f < 20) fullBelowQuarter++;
    equalSum += equal.next(4);
  }
  // Means 40 and 60 ms; the standard error of a uniform mean over 20,000 draws is ~0.16 ms.
  assert.ok(Math.abs(fullSum / n - 40) < 1, `full mean ${fullSum / n}`);
  assert.ok(Math.abs(equalSum / n - 60) < 1, `equal mean ${equalSum / n}`);
  assert.ok(Math.abs(fullBelowQuarter / n - 0.25) < 0.015);
});

Deno.test("decorrelated jitter grows from its previous sleep and starts over on reset", () => {
  const backoff = new Backoff({ strategy: "decorrelated", baseMs: 5, capMs: 2000 }, new Random(1));
  const first = backoff.next(1);
  assert.ok(first >= 5 && first <= 15);
  let last = first;
  for (let i = 0; i < 50; i++) last = backoff.next(i + 2);
  assert.ok(last > 100, "wanders up toward the cap");
  backoff.reset();
  assert.ok(backoff.next(1) <= 15);
});

Deno.test("Backoff rejects a cap below the base, naming the field", () => {
  assert.throws(
    () => new Backoff({ strategy: "full", baseMs: 10, capMs: 5 }, new Random(1)),
    (error: Error) =>
      error instanceof ConfigError && /capMs: must be at least baseMs/.test(error.message),
  );
  assert.throws(
    () => new Backoff({ strategy: "linear" as "full" }, new Random(1)),
    (error: Error) => error instanceof ConfigError && /strategy/.test(error.message),
  );
});
