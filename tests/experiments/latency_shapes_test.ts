import assert from "node:assert/strict";
import {
  LATENCY_SHAPE_NAMES,
  LATENCY_SHAPES,
  latencyShapes,
  type LatencyShapesRow,
} from "../../lib/experiments/latency_shapes.ts";
import { distributionMean, distributionQuantile } from "../../lib/sim/mod.ts";

function latenciesOf(rows: readonly LatencyShapesRow[], name: string): number[] {
  return rows.filter((r) => r.distribution === name).map((r) => r.latencyMs);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, x) => sum + x, 0) / values.length;
}

Deno.test("LATENCY_SHAPES all have a mean of 10 ms", () => {
  for (const name of LATENCY_SHAPE_NAMES) {
    assert.ok(Math.abs(distributionMean(LATENCY_SHAPES[name]) - 10) < 0.01, name);
  }
});

Deno.test("latency-shapes: one row per delivery, grouped by distribution in the order asked", () => {
  const rows = latencyShapes.run({ samples: 300 }, 1);
  assert.equal(rows.length, 5 * 300);
  const order = [...new Set(rows.map((r) => r.distribution))];
  assert.deepEqual(order, [...LATENCY_SHAPE_NAMES]);
  assert.deepEqual(Object.keys(rows[0]!), ["distribution", "latencyMs"]);
  assert.ok(latenciesOf(rows, "constant").every((ms) => ms === 10));
  assert.ok(latenciesOf(rows, "uniform").every((ms) => ms >= 5 && ms <= 15));
  assert.ok(latenciesOf(rows, "pareto").every((ms) => ms >= 5));
});

Deno.test("latency-shapes: same mean, very different tails", () => {
  const pooledRows: LatencyShapesRow[] = [];
  for (let seed = 1; seed <= 5; seed++) pooledRows.push(...latencyShapes.run({}, seed));
  const stats = Object.fromEntries(LATENCY_SHAPE_NAMES.map((name) => {
    const xs = latenciesOf(pooledRows, name);
    return [name, { mean: mean(xs), p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) }];
  }));
  for (const name of LATENCY_SHAPE_NAMES) {
    assert.ok(Math.abs(stats[name]!.mean - 10) < 1, `${name} mean ${stats[name]!.mean}`);
    const exact = distributionQuantile(LATENCY_SHAPES[name], 0.99);
    assert.ok(Math.abs(stats[name]!.p99 - exact) / exact < 0.12, `${name} p99 vs ${exact}`);
  }
  assert.ok(stats.constant!.p99 < stats.uniform!.p99);
  assert.ok(stats.uniform!.p99 < stats.exponential!.p99);
  // The long tails: p99 at least four times the mean, and the median below the mean.
  for (const name of ["exponential", "lognormal", "pareto"]) {
    assert.ok(stats[name]!.p99 > 4 * stats[name]!.mean, name);
    assert.ok(stats[name]!.p50 < 0.8 * stats[name]!.mean, name);
  }
});

Deno.test('latency-shapes measures a custom distribution as "custom"', () => {
  const rows = latencyShapes.run({
    distributions: ["constant"],
    custom: { kind: "normal", meanMs: 50, stdDevMs: 5 },
    samples: 2000,
  }, 2);
  const custom = latenciesOf(rows, "custom");
  assert.equal(custom.length, 2000);
  assert.equal(latenciesOf(rows, "constant").length, 2000);
  assert.ok(Math.abs(mean(custom) - 50) < 0.5);
});

Deno.test("latency-shapes is deterministic by seed", () => {
  const params = { distributions: ["lognormal" as const], samples: 200 };
  assert.deepEqual(latencyShapes.run(params, 3), latencyShapes.run(params, 3));
  assert.notDeepEqual(latencyShapes.run(params, 3), latencyShapes.run(params, 4));
});

Deno.test("latency-shapes rejects bad parameters with their path", () => {
  assert.throws(
    () => latencyShapes.run({ distributions: ["gamma" as "pareto"] }, 1),
    /params\.distributions\.0: must be one of "constant", "uniform", "exponential", "lognormal", "pareto"/,
  );
  assert.throws(() => latencyShapes.run({ samples: 0 }, 1), /params\.samples: must be at least 1/);
});
