import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/mod.ts";
import { clockSync, simulateClockSync } from "../../lib/experiments/clock_sync.ts";

const mean = (values: readonly number[]) => values.reduce((s, x) => s + x, 0) / values.length;

Deno.test("clock-sync: every residual error is within half the delay, for both algorithms", () => {
  for (const algorithm of ["cristian", "ntp"] as const) {
    for (const seed of [1, 2, 3]) {
      const rows = clockSync.run({ algorithm, serverProcessingMs: 3, lossProbability: 0.1 }, seed);
      assert.ok(rows.length > 60, `${algorithm} seed ${seed}: ${rows.length} exchanges`);
      for (const row of rows) {
        assert.ok(row.withinBound, JSON.stringify(row));
        assert.equal(row.errorBoundMs, row.delayMs / 2);
      }
    }
  }
});

Deno.test("clock-sync: the bound is tight: some exchanges come close to it", () => {
  const rows = [1, 2, 3].flatMap((seed) => clockSync.run({}, seed));
  const ratios = rows.map((row) => Math.abs(row.residualErrorMs) / row.errorBoundMs);
  assert.ok(Math.max(...ratios) > 0.8, `largest error / bound ${Math.max(...ratios)}`);
});

Deno.test("clock-sync: longer round trips allow larger errors", () => {
  const rows = [1, 2, 3, 4, 5].flatMap((seed) => clockSync.run({}, seed));
  const sorted = [...rows].sort((a, b) => a.rttMs - b.rttMs);
  const third = Math.floor(sorted.length / 3);
  const fast = sorted.slice(0, third).map((r) => Math.abs(r.residualErrorMs));
  const slow = sorted.slice(-third).map((r) => Math.abs(r.residualErrorMs));
  assert.ok(mean(slow) > 2 * mean(fast), `slow ${mean(slow)} vs fast ${mean(fast)}`);
});

Deno.test("clock-sync: NTP is not hurt by server processing time; Cristian is", () => {
  const error = (algorithm: "cristian" | "ntp", serverProcessingMs: number) =>
    mean(
      clockSync.run({ algorithm, serverProcessingMs }, 1).map((r) => Math.abs(r.residualErrorMs)),
    );
  assert.ok(error("cristian", 10) > error("cristian", 0) + 2);
  assert.ok(Math.abs(error("ntp", 10) - error("ntp", 0)) < 0.5);
});

Deno.test("simulateClockSync: free clocks drift apart at their drift rate; synced ones stay close", () => {
  const params = clockSync.parseParams({ maxDriftPpm: 200, maxOffsetMs: 0, durationMs: 20_000 });
  const free = simulateClockSync(params, 1, { sync: false, sampleEveryMs: 1000 });
  const last = free.samples.filter((s) => s.tMs === 20_000);
  assert.deepEqual(last.map((s) => s.client), ["n1", "n2", "n3"]);
  for (const sample of last) {
    // 200 ppm of 20 s is 4 ms.
    assert.ok(
      Math.abs(sample.errorMs - sample.driftPpm * 20_000 * 1e-6) < 1e-6,
      `${sample.errorMs}`,
    );
  }
  const synced = simulateClockSync(
    clockSync.parseParams({ maxDriftPpm: 200, maxOffsetMs: 100, durationMs: 20_000 }),
    1,
    { sampleEveryMs: 100 },
  );
  const late = synced.samples.filter((s) => s.tMs >= 2000);
  assert.ok(
    late.every((s) => Math.abs(s.errorMs) < 15),
    "within a round trip after the first sync",
  );
  assert.equal(free.exchanges.length, 0);
  assert.throws(() => simulateClockSync(params, 1, { sampleEveryMs: -1 }), RangeError);
});

Deno.test("clock-sync rows are tidy and deterministic, and the run names its replay line", () => {
  const rows = clockSync.run({ clients: 2 }, 7);
  assert.deepEqual(Object.keys(rows[0]!), [
    "client",
    "driftPpm",
    "algorithm",
    "atMs",
    "rttMs",
    "delayMs",
    "estimatedOffsetMs",
    "residualErrorMs",
    "errorBoundMs",
    "withinBound",
  ]);
  assert.deepEqual(clockSync.run({ clients: 2 }, 7), rows);
  const run = simulateClockSync(clockSync.parseParams({ clients: 2 }), 7);
  assert.equal(
    run.simulation.config.replay,
    "deno task exp run clock-sync --seed 7 --param clients=2",
  );
});

Deno.test("clock-sync rejects bad parameters with their path", () => {
  assert.throws(
    () => clockSync.run({ syncPeriodMs: 0 }, 1),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message === "params.syncPeriodMs: must be greater than 0 ms, got 0",
  );
});
