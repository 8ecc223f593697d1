import assert from "node:assert/strict";
import { caughtWithin, describeFailures, faultSweep } from "./deps.ts";
import { toyRegister } from "./toy_register.ts";

Deno.test("faultSweep: 1,000 seeds of the correct toy over two profiles, every trial clean", () => {
  const result = faultSweep(toyRegister, {
    seeds: 1000,
    profiles: { calm: { faultsPerSecond: 2 }, stormy: { faultsPerSecond: 20 } },
  });
  assert.equal(result.trials, 1000);
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  assert.equal(result.unknown, 0);
  assert.deepEqual(result.rows.slice(0, 3).map((r) => [r.seed, r.profile]), [
    [1, "stormy"],
    [2, "calm"],
    [3, "stormy"],
  ]);
  assert.ok(result.rows.every((row) => row.linearizable === true && row.failure === null));
});

Deno.test("faultSweep gathers every failure, or stops at the first", () => {
  const all = faultSweep(toyRegister, { seeds: 20, params: { bug: "throw" }, excerpt: false });
  assert.equal(all.trials, 20);
  assert.ok(all.failures.length > 1);
  assert.deepEqual(
    all.failures.map((f) => f.seed),
    [...all.failures.map((f) => f.seed)].sort((a, b) => a - b),
  );
  const first = faultSweep(toyRegister, {
    seeds: 20,
    params: { bug: "throw" },
    stopAtFirstFailure: true,
  });
  assert.equal(first.failures.length, 1);
  assert.equal(first.trials, first.failures[0]!.seed);
  assert.deepEqual(first.failures[0]!.seed, all.failures[0]!.seed);
  const listed = faultSweep(toyRegister, { seeds: [7, 3], profiles: [{}, { clients: 1 }] });
  assert.deepEqual(listed.rows.map((r) => [r.seed, r.profile]), [[7, "1"], [3, "1"]]);
});

Deno.test("faultSweep validates every profile before running", () => {
  assert.throws(
    () => faultSweep(toyRegister, { profiles: { ok: {}, bad: { clients: -1 } } }),
    /profiles\.bad\.clients/,
  );
  assert.throws(() => faultSweep(toyRegister, { profiles: [] }), /at least one parameter set/);
});

Deno.test("caughtWithin returns the first failure of a broken variant, and says so when none fails", () => {
  const failure = caughtWithin(toyRegister, 50, { params: { bug: "corrupt" } });
  assert.equal(failure.kind, "safety");
  assert.equal(failure.invariant, "holds only written values");
  const later = caughtWithin(toyRegister, 50, { params: { bug: "corrupt" }, firstSeed: 101 });
  assert.ok(later.seed >= 101 && later.seed < 151);
  assert.throws(
    () => caughtWithin(toyRegister, 5, {}),
    /Cannot catch the variant of toy-register within 5 seeds \(1 to 5\): every trial passed/,
  );
  assert.throws(() => caughtWithin(toyRegister, 0), /budget must be a whole number at least 1/);
});
