import assert from "node:assert/strict";
import {
  partialFailure,
  type PartialFailureRow,
  simulatePartialFailure,
} from "../../lib/experiments/partial_failure.ts";

const SEEDS = [...Array(10).keys()].map((i) => i + 1);

function runAll(fault: PartialFailureRow["fault"]): PartialFailureRow[][] {
  return SEEDS.map((seed) => partialFailure.run({ fault }, seed));
}

function count(rows: readonly PartialFailureRow[], test: (row: PartialFailureRow) => boolean) {
  return rows.filter(test).length;
}

Deno.test("partial-failure: with no fault every request is ok", () => {
  for (const rows of runAll("none")) {
    assert.equal(rows.length, 200);
    assert.ok(rows.every((r) => r.outcome === "ok" && !r.timedOut && r.latencyMs !== null));
  }
});

Deno.test("partial-failure: crash, omission and timing all look like timeouts to the client", () => {
  for (const fault of ["crash", "omission", "timing"] as const) {
    for (const rows of runAll(fault)) {
      assert.ok(count(rows, (r) => r.timedOut) >= 5, `${fault}: some requests time out`);
      assert.equal(count(rows, (r) => r.outcome === "wrong"), 0, `${fault}: no wrong answers`);
    }
  }
});

Deno.test("partial-failure: only the timing fault produces late replies", () => {
  for (const rows of runAll("timing")) {
    const late = rows.filter((r) => r.outcome === "late");
    assert.ok(late.length >= 5);
    assert.ok(late.every((r) => r.timedOut && (r.latencyMs as number) > 50));
  }
  for (const fault of ["crash", "omission"] as const) {
    for (const rows of runAll(fault)) assert.equal(count(rows, (r) => r.outcome === "late"), 0);
  }
});

Deno.test("partial-failure: a crash times out every request sent after it", () => {
  for (const rows of runAll("crash")) {
    const after = rows.filter((r) => r.sentMs >= 1000);
    assert.equal(after.length, 100);
    assert.ok(after.every((r) => r.outcome === "timeout"));
  }
});

Deno.test("partial-failure: byzantine faults produce wrong answers and no timeouts", () => {
  for (const rows of runAll("byzantine")) {
    assert.ok(count(rows, (r) => r.outcome === "wrong") >= 5);
    assert.equal(count(rows, (r) => r.timedOut), 0);
  }
});

Deno.test("partial-failure: retries hide omission faults", () => {
  let plain = 0, retried = 0;
  for (const seed of SEEDS) {
    plain += count(partialFailure.run({ fault: "omission" }, seed), (r) => r.timedOut);
    retried += count(
      partialFailure.run({ fault: "omission", retries: 2 }, seed),
      (r) => r.timedOut,
    );
  }
  // Each attempt fails with probability 0.19: 0.19^3 ≈ 0.7% with two retries.
  assert.ok(plain > 300 && retried < plain / 10, `${plain} vs ${retried}`);
});

Deno.test("partial-failure rows are deterministic by seed and record the trace on request", () => {
  assert.deepEqual(
    partialFailure.run({ fault: "timing" }, 3),
    partialFailure.run({ fault: "timing" }, 3),
  );
  assert.notDeepEqual(
    partialFailure.run({ fault: "timing" }, 3),
    partialFailure.run({ fault: "timing" }, 4),
  );
  const run = simulatePartialFailure(
    partialFailure.parseParams({ fault: "crash", requests: 20, crashAtMs: 100 }),
    1,
    { record: true },
  );
  assert.ok(run.simulation.trace.records.some((r) => r.kind === "crash" && r.node === "server"));
  assert.equal(run.rows.length, 20);
});

Deno.test("partial-failure rejects bad parameters with their path", () => {
  assert.throws(
    () => partialFailure.run({ fault: "slow" as "timing" }, 1),
    /params\.fault: must be one of "none", "crash", "omission", "timing", "byzantine", got "slow"/,
  );
  assert.throws(
    () => partialFailure.run({ fault: "crash", restartAtMs: 10 }, 1),
    /params\.restartAtMs: must be later than crashAtMs/,
  );
});
