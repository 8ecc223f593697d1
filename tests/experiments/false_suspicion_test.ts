import assert from "node:assert/strict";
import {
  falseSuspicion,
  type FalseSuspicionRow,
  measureLinkLatencies,
  simulateFalseSuspicion,
} from "../../lib/experiments/false_suspicion.ts";

const SEEDS = [...Array(10).keys()].map((i) => i + 1);
const TIMEOUTS = [25, 50, 100, 200, 400];

function mean(values: readonly number[]): number {
  return values.reduce((sum, x) => sum + x, 0) / values.length;
}

function sweep(extra: Parameters<typeof falseSuspicion.run>[0] = {}): FalseSuspicionRow[][] {
  return TIMEOUTS.map((timeoutMs) =>
    SEEDS.map((seed) => falseSuspicion.run({ ...extra, timeoutMs }, seed)[0]!)
  );
}

Deno.test("false-suspicion: the false suspicion rate falls as the timeout grows", () => {
  const rates = sweep().map((rows) => mean(rows.map((r) => r.falseSuspicionsPerSecond)));
  for (let i = 1; i < rates.length; i++) {
    assert.ok(rates[i]! <= rates[i - 1]!, `rate at ${TIMEOUTS[i]} ms ≤ at ${TIMEOUTS[i - 1]} ms`);
  }
  assert.ok(rates[0]! > 1, `a 25 ms timeout suspects the live node often (${rates[0]}/s)`);
  assert.ok(rates[0]! > 100 * rates[3]!);
  assert.equal(rates[4], 0);
});

Deno.test("false-suspicion: detection time grows with the timeout, and is never zero", () => {
  const rows = sweep();
  const detections = rows.map((group) => group.map((r) => r.detectionMs as number));
  detections.forEach((group, i) => {
    assert.ok(group.every((d) => d !== null && d > 0), "every crash is detected, later");
    // Silence must last a whole timeout, counted from the last heartbeat's arrival.
    assert.ok(mean(group) > 0.8 * TIMEOUTS[i]!, `mean ${mean(group)} at ${TIMEOUTS[i]}`);
    if (i > 0) assert.ok(mean(group) > mean(detections[i - 1]!));
  });
  // No timeout gets both to zero: where the rate is 0, detection takes at least the timeout's bulk.
  const zeroRate = rows.findIndex((group) => group.every((r) => r.falseSuspicions === 0));
  assert.ok(zeroRate >= 0 && mean(detections[zeroRate]!) > 0.8 * TIMEOUTS[zeroRate]!);
});

Deno.test("false-suspicion: lost heartbeats add false suspicions", () => {
  let clean = 0, lossy = 0;
  for (const seed of SEEDS) {
    clean += falseSuspicion.run({ timeoutMs: 50 }, seed)[0]!.falseSuspicions;
    lossy += falseSuspicion.run({ timeoutMs: 50, lossProbability: 0.5 }, seed)[0]!.falseSuspicions;
  }
  // Five heartbeats in a row lost (1 in 32) silence the node for 50 ms.
  assert.ok(lossy > clean + 100, `${lossy} with loss vs ${clean}`);
});

Deno.test("false-suspicion rows are tidy and deterministic by seed", () => {
  const [row] = falseSuspicion.run({ timeoutMs: 50 }, 2);
  assert.deepEqual(Object.keys(row!), [
    "timeoutMs",
    "intervalMs",
    "falseSuspicions",
    "falseSuspicionsPerSecond",
    "falselySuspectedFraction",
    "detectionMs",
  ]);
  assert.equal(row!.falseSuspicionsPerSecond, row!.falseSuspicions / 10);
  assert.ok(row!.falselySuspectedFraction > 0 && row!.falselySuspectedFraction < 1);
  assert.deepEqual(falseSuspicion.run({ timeoutMs: 50 }, 2), [row]);
  assert.notDeepEqual(falseSuspicion.run({ timeoutMs: 50 }, 3), [row]);
});

Deno.test("simulateFalseSuspicion's log agrees with its row and the crash", () => {
  const run = simulateFalseSuspicion(falseSuspicion.parseParams({ timeoutMs: 40 }), 1);
  const falseOnes = run.log.records.filter((r) => r.kind === "suspect" && r.actuallyAlive);
  assert.equal(falseOnes.length, run.row.falseSuspicions);
  assert.ok(falseOnes.every((r) => r.timeMs < 10_000));
  const last = run.log.records.at(-1)!;
  assert.equal(last.kind, "suspect");
  assert.equal(last.actuallyAlive, false);
  assert.equal(run.simulation.status("n1"), "crashed");
});

Deno.test("measureLinkLatencies samples the link's own delays, without FIFO hold-back", () => {
  const params = falseSuspicion.parseParams();
  const samples = measureLinkLatencies(params, 7, 4000);
  assert.equal(samples.length, 4000);
  const sorted = [...samples].sort((a, b) => a - b);
  // Lognormal with median 5 ms and σ 1: median 5, p90 = 5·e^1.2816 ≈ 18.0.
  assert.ok(Math.abs(sorted[2000]! - 5) < 0.4, `median ${sorted[2000]}`);
  assert.ok(Math.abs(sorted[3600]! - 18.0) < 2, `p90 ${sorted[3600]}`);
  const lossy = measureLinkLatencies({ ...params, lossProbability: 0.5 }, 7, 1000);
  assert.ok(lossy.length > 400 && lossy.length < 600);
  assert.deepEqual(measureLinkLatencies(params, 7, 100), samples.slice(0, 100));
  assert.throws(() => measureLinkLatencies(params, 7, -1), RangeError);
});

Deno.test("false-suspicion rejects bad parameters with their path", () => {
  assert.throws(
    () => falseSuspicion.run({ timeoutMs: 0 }, 1),
    /params\.timeoutMs: must be greater than 0 ms/,
  );
  assert.throws(
    () => falseSuspicion.run({ latency: { kind: "pareto", scaleMs: 1, shape: -1 } }, 1),
    /params\.latency\.shape/,
  );
});
