import assert from "node:assert/strict";
import {
  allToAllHeartbeatLoad,
  expectedFirstProbePeriods,
  simulateSwimDetection,
  swimDetection,
  type SwimDetectionRow,
  SwimNode,
  swimTrial,
} from "../../lib/membership/mod.ts";
import { Simulation } from "../../lib/sim/mod.ts";
import { caughtWithin, faultSweep } from "../../lib/testing/mod.ts";

function rows(
  input: Parameters<typeof swimDetection.parseParams>[0],
  seeds: number,
): SwimDetectionRow[] {
  const params = swimDetection.parseParams(input);
  return Array.from({ length: seeds }, (_, i) => simulateSwimDetection(params, i + 1).row);
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

Deno.test("expectedFirstProbePeriods falls to e/(e-1) as the group grows", () => {
  assert.equal(expectedFirstProbePeriods(2), 1);
  const limit = Math.E / (Math.E - 1);
  let previous = 0;
  for (const n of [3, 8, 64, 1024, 1e6]) {
    const value = expectedFirstProbePeriods(n);
    assert.ok(value > previous && value < limit);
    previous = value;
  }
  assert.ok(Math.abs(expectedFirstProbePeriods(1e6) - limit) < 1e-5);
  assert.throws(() => expectedFirstProbePeriods(1), /n must be a whole number at least 2/);
});

Deno.test("SWIM §3.1: periods until a crashed member is first probed match the closed form", () => {
  // Differential test: the simulated protocol against 1 / (1 - (1 - 1/(n-1))^(n-1)). The
  // count is geometric with success p = 1/E per period, so its standard deviation is
  // sqrt(1 - p) / p; the mean of N runs must fall within 4 standard errors.
  for (const [n, seeds] of [[4, 1000], [8, 1000], [16, 400], [32, 200]] as const) {
    const expected = expectedFirstProbePeriods(n);
    const p = 1 / expected;
    const tolerance = 4 * Math.sqrt(1 - p) / p / Math.sqrt(seeds);
    const periods = rows({ n, warmupPeriods: 1, periodsAfterCrash: 10 }, seeds)
      .map((row) => row.firstProbePeriods as number);
    assert.ok(periods.every((x) => Number.isInteger(x) && x >= 1));
    const measured = mean(periods);
    assert.ok(
      Math.abs(measured - expected) < tolerance,
      `n = ${n}: measured ${measured.toFixed(3)}, expected ${expected.toFixed(3)} ± ${
        tolerance.toFixed(3)
      }`,
    );
    // The distribution, not only its mean: the share probed within the first period is p.
    const first = periods.filter((x) => x === 1).length / seeds;
    assert.ok(
      Math.abs(first - p) < 4 * Math.sqrt(p * (1 - p) / seeds),
      `n = ${n}: P(1) = ${first}`,
    );
  }
});

Deno.test("SWIM: the first suspicion comes one period after the first probe, on average", () => {
  // The probe falls uniformly within its period (half a period early on average), and the
  // prober suspects at the end of the period: E + 1/2 periods after the crash.
  const n = 16;
  const detection = rows({ n, warmupPeriods: 1, periodsAfterCrash: 10 }, 400)
    .map((row) => row.detectionPeriods as number);
  const expected = expectedFirstProbePeriods(n) + 0.5;
  assert.ok(Math.abs(mean(detection) - expected) < 0.15, `${mean(detection)} vs ${expected}`);
});

Deno.test("SWIM's load per member stays constant as n grows; all-to-all grows as n - 1", () => {
  for (const n of [8, 32, 96]) {
    const load = mean(
      rows({ n, warmupPeriods: 3, periodsAfterCrash: 1 }, 5)
        .map((row) => row.messagesPerMemberPerPeriod),
    );
    // One ping and one ack per member per period, with no loss to trigger ping-reqs.
    assert.ok(Math.abs(load - 2) < 0.1, `n = ${n}: ${load}`);
    assert.equal(allToAllHeartbeatLoad(n), n - 1);
  }
});

Deno.test("SWIM without indirect probes suspects live members far more often under loss", () => {
  const withK = mean(rows({ n: 16, k: 3, lossProbability: 0.05 }, 60).map((r) => r.falsePositives));
  const without = mean(
    rows({ n: 16, k: 0, lossProbability: 0.05 }, 60).map((r) => r.falsePositives),
  );
  // Measured about 0.2 against 20 per run: a factor of 10 is a wide margin.
  assert.ok(without > 10 * Math.max(withK, 0.1), `k=3: ${withK}, k=0: ${without}`);
});

Deno.test("swim-faults: with crashes only and no loss, every confirmed member was dead (1,000 seeds)", () => {
  const result = faultSweep(swimTrial, { seeds: 1000 });
  assert.deepEqual(result.failures, []);
  assert.ok(result.rows.every((row) => row.wrongConfirmations === 0));
});

Deno.test("swim-faults: a pause longer than the suspicion timeout gets a live member confirmed dead", () => {
  // The chapter's point: no timeout-based detector can promise accuracy. Caught within 50
  // seeds (most seeds do it).
  const failure = caughtWithin(swimTrial, 50, { params: { pauses: 1, crashes: 1 } });
  assert.equal(failure.kind, "safety");
  assert.match(failure.message, /while it was paused/);
});

Deno.test("swim-faults: a member wrongly confirmed dead rejoins, and every view converges", () => {
  const result = faultSweep(swimTrial, {
    seeds: 300,
    params: { pauses: 1, crashes: 1, checkAccuracy: false },
  });
  assert.deepEqual(result.failures.map((f) => f.message), []);
  assert.ok(result.rows.filter((row) => row.wrongConfirmations > 0).length > 100);
});

Deno.test("swim-faults: without indirect probes, 10% loss gets live members confirmed dead", () => {
  const params = { lossProbability: 0.1, crashes: 1 };
  const failure = caughtWithin(swimTrial, 100, { params: { ...params, k: 0 } });
  assert.equal(failure.invariant, "a confirmed-dead member was really dead");
  // With k = 3 the same loss goes without a wrong confirmation over as many seeds.
  assert.deepEqual(faultSweep(swimTrial, { seeds: 100, params: { ...params, k: 3 } }).failures, []);
});

Deno.test("swim-faults: without suspicion, loss alone gets live members confirmed dead", () => {
  const failure = caughtWithin(swimTrial, 100, {
    params: { lossProbability: 0.05, suspicion: false, crashes: 0 },
  });
  assert.equal(failure.kind, "safety");
});

Deno.test("SwimNode refutes a suspicion with a higher incarnation", () => {
  const sim = new Simulation<import("../../lib/membership/mod.ts").SwimMessage>({ seed: 1 });
  const ids = ["m0", "m1", "m2", "m3"];
  sim.addNodes(ids, (ctx) => new SwimNode(ctx, { suspicionTimeoutMs: 10_000 }));
  sim.runUntil(3_000);
  // Pause m1 for three periods: it is suspected, then refutes once it runs again.
  sim.pause("m1");
  sim.runUntil(6_500);
  const suspected = ids.filter((id) =>
    id !== "m1" && sim.node<SwimNode>(id)?.statusOf("m1") === "suspect"
  );
  assert.ok(suspected.length > 0);
  sim.resume("m1");
  sim.runUntil(12_000);
  assert.ok((sim.node<SwimNode>("m1") as SwimNode).incarnation >= 1);
  for (const id of ids) {
    if (id !== "m1") assert.equal(sim.node<SwimNode>(id)?.statusOf("m1"), "alive");
  }
});

Deno.test("swim-detection is deterministic by seed and validates its params", () => {
  assert.deepEqual(
    swimDetection.run({ n: 12, lossProbability: 0.1 }, 5),
    swimDetection.run({ n: 12, lossProbability: 0.1 }, 5),
  );
  assert.throws(() => swimDetection.parseParams({ n: 2 }), /params.n: must be at least 3/);
  assert.throws(() => swimDetection.parseParams({ lossProbability: -1 }), /params.lossProbability/);
});

Deno.test("SWIM §4.3: round-robin probing reaches a crashed member within one pass of its list", () => {
  // Each member probes everyone in its shuffled list once per pass of n - 1 periods, so the
  // first probe of a crashed member comes within one pass (plus the period in progress).
  const n = 8;
  const periods = rows(
    { n, probeOrder: "round-robin", warmupPeriods: 1, periodsAfterCrash: 10 },
    300,
  )
    .map((row) => row.firstProbePeriods);
  assert.ok(periods.every((p) => p !== null && p <= n), `max ${Math.max(...periods.map(Number))}`);
});
