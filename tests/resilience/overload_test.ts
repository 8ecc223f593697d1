import assert from "node:assert/strict";
import {
  dependencyFailure,
  overload,
  type OverloadRow,
  simulateDependencyFailure,
  simulateOverload,
} from "../../lib/resilience/mod.ts";

/** Goodput as a fraction of the offered load over [fromMs, toMs). */
function served(rows: readonly OverloadRow[], fromMs: number, toMs: number): number {
  const inside = rows.filter((row) => row.tMs >= fromMs && row.tMs < toMs);
  const good = inside.reduce((sum, row) => sum + row.goodputPerS, 0);
  return good / inside.reduce((sum, row) => sum + row.offeredPerS, 0);
}

const SPIKE = { spikeAtMs: 2000, spikeDurationMs: 1000 } as const;
const SEEDS = [1, 2, 3];

Deno.test("overload: without a spike, 80% load is served in full", () => {
  for (const seed of SEEDS) {
    const rows = overload.run({}, seed);
    assert.ok(served(rows, 0, 10_000) > 0.97, `seed ${seed}`);
  }
});

Deno.test("overload: a one-second spike leaves a metastable failure that outlives it", () => {
  for (const seed of SEEDS) {
    const rows = overload.run(SPIKE, seed);
    assert.ok(served(rows, 0, 2000) > 0.95, `seed ${seed}: fine before the spike`);
    assert.ok(served(rows, 5000, 10_000) < 0.05, `seed ${seed}: collapsed long after it`);
    assert.ok(rows.at(-1)!.queueLength > 5000, `seed ${seed}: the queue still grows`);
    // The offered load went back to normal; the attempts did not: retries sustain it.
    const late = rows.filter((row) => row.tMs >= 5000);
    const offered = late.reduce((s, r) => s + r.offeredPerS, 0) / late.length;
    const attempts = late.reduce((s, r) => s + r.attemptsPerS, 0) / late.length;
    assert.ok(offered < 900 && attempts > 2.5 * offered, `seed ${seed}: ${offered} → ${attempts}`);
  }
});

const CURES: readonly [string, object][] = [
  ["no retries at all", { maxRetries: 0 }],
  ["a circuit breaker in each client", { breaker: true }],
  ["load shedding by queue length (50)", { maxQueue: 50 }],
  ["dropping requests whose deadline passed (10 ms reserve)", { dropExpired: true }],
  ["a retry budget of 5%", { retryBudgetRatio: 0.05 }],
];

for (const [name, knobs] of CURES) {
  Deno.test(`overload: ${name} ends the metastable failure`, () => {
    for (const seed of SEEDS) {
      const rows = overload.run({ ...SPIKE, ...knobs }, seed);
      assert.ok(served(rows, 9000, 10_000) > 0.9, `seed ${seed}: ${served(rows, 9000, 10_000)}`);
      assert.ok(rows.at(-1)!.queueLength < 100, `seed ${seed}`);
    }
  });
}

Deno.test("overload: dropping expired requests without a reserve does not end it", () => {
  // The server serves the oldest unexpired request, whose answer lands just after the
  // client gave up: every bit of work is still wasted.
  for (const seed of SEEDS) {
    const rows = overload.run({ ...SPIKE, dropExpired: true, deadlineReserveMs: 0 }, seed);
    assert.ok(served(rows, 5000, 10_000) < 0.05, `seed ${seed}`);
  }
});

Deno.test("overload: work that grows with the queue is metastable even without retries", () => {
  for (const seed of SEEDS) {
    const grows = { ...SPIKE, maxRetries: 0, workGrowth: 0.002 };
    assert.ok(served(overload.run(grows, seed), 6000, 10_000) < 0.05, `seed ${seed}`);
    const shed = overload.run({ ...grows, maxQueue: 50 }, seed);
    assert.ok(served(shed, 6000, 10_000) > 0.95, `seed ${seed}: shedding caps the queue`);
  }
});

Deno.test("overload: past capacity goodput collapses without shedding and holds with it", () => {
  const meanGood = (rows: OverloadRow[]) => {
    const late = rows.filter((row) => row.tMs >= 2000);
    return late.reduce((sum, row) => sum + row.goodputPerS, 0) / late.length;
  };
  for (const ratePerS of [1200, 2000]) {
    assert.ok(meanGood(overload.run({ ratePerS }, 1)) < 100, `${ratePerS}/s without shedding`);
    assert.ok(meanGood(overload.run({ ratePerS, maxQueue: 50 }, 1)) > 950, `${ratePerS}/s shed`);
  }
});

Deno.test("overload: same seed, same rows; parameters validated", () => {
  const params = overload.parseParams({ ...SPIKE, breaker: true, durationMs: 4000 });
  assert.deepEqual(simulateOverload(params, 9).rows, simulateOverload(params, 9).rows);
  assert.notDeepEqual(simulateOverload(params, 9).rows, simulateOverload(params, 10).rows);
  assert.throws(() => overload.parseParams({ backoffBaseMs: 10, backoffCapMs: 1 }), /backoffCapMs/);
  assert.throws(() => overload.parseParams({ lossProbability: 2 }), /lossProbability/);
});

/** The fraction of requests for `dependency` made in [fromMs, toMs) that succeeded. */
function successOf(
  run: ReturnType<typeof simulateDependencyFailure>,
  dependency: "a" | "b",
  fromMs: number,
  toMs: number,
): number {
  const made = run.records.filter((r) =>
    r.dependency === dependency && r.startMs >= fromMs && r.startMs < toMs
  );
  return made.filter((r) => r.ok).length / made.length;
}

Deno.test("dependency-failure: a slow B drags A down through a shared pool", () => {
  for (const seed of [1, 2, 3]) {
    const run = simulateDependencyFailure(dependencyFailure.parseParams({}), seed);
    assert.ok(successOf(run, "a", 0, 2000) > 0.99);
    assert.ok(successOf(run, "a", 3000, 6000) < 0.6, `seed ${seed}: A starved of workers`);
    assert.ok(successOf(run, "a", 8000, 10_000) > 0.99, "and recovers with B");
  }
});

Deno.test("dependency-failure: bulkheads and breakers keep A whole", () => {
  for (const seed of [1, 2, 3]) {
    const bulkheads = simulateDependencyFailure(
      dependencyFailure.parseParams({ bulkheads: true }),
      seed,
    );
    assert.equal(successOf(bulkheads, "a", 2000, 6000), 1, `seed ${seed}`);
    const breaker = simulateDependencyFailure(
      dependencyFailure.parseParams({ breaker: true }),
      seed,
    );
    assert.ok(successOf(breaker, "a", 3500, 6000) > 0.99, `seed ${seed}`);
    // B's breaker opened during the outage, probed, and closed after B recovered.
    const moves = breaker.breakerTransitions;
    assert.equal(moves[0]?.to, "open");
    assert.ok(moves[0]!.atMs > 2000 && moves[0]!.atMs < 4000);
    const closed = moves.find((t) => t.to === "closed");
    assert.ok(closed !== undefined && closed.atMs >= 6000 && closed.atMs < 8000);
    assert.ok(successOf(breaker, "b", 8000, 10_000) > 0.99);
    // While it is open, B's requests fail fast instead of waiting for the timeout.
    const fastFails = breaker.records.filter((r) => r.why === "breaker-open");
    assert.ok(fastFails.length > 100 && fastFails.every((r) => r.endMs! - r.startMs < 5));
  }
});
