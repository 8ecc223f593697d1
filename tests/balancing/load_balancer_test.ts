import assert from "node:assert/strict";
import fc from "fast-check";
import {
  createPolicy,
  loadBalancer,
  type LoadBalancerRow,
  POLICIES,
  powerOfChoices,
  serverSpeeds,
  shortestQueue,
  simulateLoadBalancer,
  smoothWeightedRoundRobin,
  supermarketSojourn,
  supermarketTail,
} from "../../lib/balancing/mod.ts";
import { findExperiment } from "../../lib/experiments/mod.ts";
import { Random } from "../../lib/sim/mod.ts";

const meanOf = (rows: LoadBalancerRow[], field: "meanSojournMs" | "p99Ms") =>
  rows.reduce((sum, row) => sum + row[field], 0) / rows.length;
const runs = (params: Parameters<typeof loadBalancer.run>[0], seeds: number) =>
  Array.from({ length: seeds }, (_, i) => loadBalancer.run(params, i + 1)[0]!);

Deno.test("supermarketSojourn: T_d(0.9) = 10.0, 2.614, 2.028 for d = 1, 2, 3 (published)", () => {
  assert.ok(Math.abs(supermarketSojourn(0.9, 1) - 10) < 1e-9);
  assert.ok(Math.abs(supermarketSojourn(0.9, 2) - 2.614) < 5e-4);
  assert.ok(Math.abs(supermarketSojourn(0.9, 3) - 2.028) < 5e-4);
  assert.ok(Math.abs(supermarketTail(0.9, 2, 3) - 0.9 ** 7) < 1e-12);
  assert.throws(() => supermarketSojourn(1, 2), /λ must be in \[0, 1\), got 1/);
});

Deno.test("load-balancer with n = 100: p2c lands about 2% above the fixed point", () => {
  // Eight seeds of 100,000 requests; one run's mean has a standard error near 1%, so the
  // mean of eight sits within 0.5% of its expectation. Mitzenmacher reports n = 100 about
  // 2% above T_d; we accept 0.5% to 4% above.
  for (const d of [2, 3]) {
    const ratio = meanOf(runs({ policy: "p2c", d }, 8), "meanSojournMs") / 10 /
      supermarketSojourn(0.9, d);
    assert.ok(ratio > 1.005 && ratio < 1.04, `d=${d}: ${ratio}`);
  }
});

Deno.test("load-balancer: random choice (d = 1) gives M/M/1 queues, T_1(0.9) = 10 within 5%", () => {
  // At utilisation 0.9 an M/M/1 queue forgets its past slowly (hundreds of service
  // times), so runs are long and the tolerance wider than for d = 2.
  const rows = runs({ policy: "random", requests: 300_000, warmupFraction: 0.2 }, 5);
  const ratio = meanOf(rows, "meanSojournMs") / 100;
  assert.ok(Math.abs(ratio - 1) < 0.05, `${ratio}`);
  assert.equal(rows[0]!.theoryMeanMs, 100.00000000000001);
});

Deno.test("load-balancer: jsq < p2c(3) < p2c(2) < round robin < random, in mean and p99", () => {
  const at = (policy: (typeof POLICIES)[number], d = 2) => runs({ policy, d }, 3);
  const order = [at("jsq"), at("p2c", 3), at("p2c", 2), at("round-robin"), at("random")];
  for (let i = 1; i < order.length; i++) {
    assert.ok(meanOf(order[i]!, "meanSojournMs") > meanOf(order[i - 1]!, "meanSojournMs"));
    assert.ok(meanOf(order[i]!, "p99Ms") > meanOf(order[i - 1]!, "p99Ms"));
  }
});

Deno.test("load-balancer: stale information makes least connections herd; p2c resists", () => {
  // Board refreshed every 200 ms (20 service times): least connections sends every
  // request of a period to the few servers that looked idle, and does worse than random.
  const stale = { staleMs: 200, requests: 50_000 };
  const least = meanOf(runs({ policy: "least-connections", ...stale }, 3), "meanSojournMs");
  const p2c = meanOf(runs({ policy: "p2c", ...stale }, 3), "meanSojournMs");
  const random = meanOf(runs({ policy: "random", ...stale }, 3), "meanSojournMs");
  assert.ok(least > 2 * random, `least ${least} vs random ${random}`);
  assert.ok(p2c < random, `p2c ${p2c} vs random ${random}`);
  // With a current board, least connections is join-the-shortest-queue.
  assert.deepEqual(
    { ...loadBalancer.run({ policy: "least-connections", requests: 5000 }, 1)[0]!, policy: "" },
    { ...loadBalancer.run({ policy: "jsq", requests: 5000 }, 1)[0]!, policy: "" },
  );
});

Deno.test("load-balancer: on unequal servers, weighted round robin beats round robin", () => {
  const uneven = { speedRatio: 4, utilization: 0.7, requests: 50_000 };
  const rr = meanOf(runs({ policy: "round-robin", ...uneven }, 2), "meanSojournMs");
  const wrr = meanOf(runs({ policy: "weighted-round-robin", ...uneven }, 2), "meanSojournMs");
  assert.ok(wrr < 0.5 * rr, `wrr ${wrr} vs rr ${rr}`);
});

Deno.test("a p2c that samples the same server twice is caught within the first 10 seeds", () => {
  // The check: p2c's mean time in system within 15% of T_2(0.9) = 2.614 service times.
  const params = loadBalancer.parseParams({ requests: 20_000 });
  const check = (mean: number) => mean / 10 < 1.15 * supermarketSojourn(0.9, 2);
  for (let seed = 1; seed <= 20; seed++) {
    assert.ok(check(simulateLoadBalancer(params, seed).row.meanSojournMs), `correct at ${seed}`);
  }
  let caughtAt = -1;
  for (let seed = 1; seed <= 200 && caughtAt < 0; seed++) {
    const broken = simulateLoadBalancer(params, seed, { brokenSameChoice: true });
    if (!check(broken.row.meanSojournMs)) caughtAt = seed;
  }
  assert.ok(caughtAt >= 1 && caughtAt <= 10, `caught at ${caughtAt}`);
});

Deno.test("load-balancer: 1,000 small seeded runs keep their invariants", () => {
  // Random policy, size and staleness per seed: queues never go negative (checked inside
  // the run), every time in system is positive, and percentiles are ordered.
  for (let seed = 1; seed <= 1000; seed++) {
    const random = new Random(seed, "sweep");
    const servers = random.int(2, 20);
    const run = simulateLoadBalancer(
      loadBalancer.parseParams({
        policy: random.pick(POLICIES),
        servers,
        d: random.int(1, servers + 1),
        utilization: random.uniform(0.1, 0.95),
        staleMs: random.pick([0, 0, 5, 50]),
        speedRatio: random.pick([1, 1, 3]),
        requests: 300,
      }),
      seed,
    );
    assert.ok(run.sojournsMs.every((x) => x > 0), `seed ${seed}`);
    assert.ok(run.row.p50Ms <= run.row.p99Ms && run.row.p99Ms <= run.row.p999Ms);
  }
});

Deno.test("policies: shortest queue picks a minimum; p2c samples d distinct servers", () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 9 }), { minLength: 1, maxLength: 30 }),
      fc.nat(),
      (view, s) => {
        const chosen = shortestQueue(view, new Random(s));
        return view[chosen] === Math.min(...view);
      },
    ),
    { seed: 1, numRuns: 300 },
  );
  // With d = servers, p2c sees everyone: it must pick a minimum.
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 9 }), { minLength: 1, maxLength: 12 }),
      fc.nat(),
      (view, s) => {
        const choose = powerOfChoices(view.length, view.length);
        return view[choose(view, new Random(s))] === Math.min(...view);
      },
    ),
    { seed: 2, numRuns: 300 },
  );
});

Deno.test("smooth weighted round robin gives each server exactly its weight per cycle", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
      (weights) => {
        const choose = smoothWeightedRoundRobin(weights);
        const total = weights.reduce((a, b) => a + b, 0);
        const counts = new Array(weights.length).fill(0);
        for (let i = 0; i < 3 * total; i++) counts[choose([], new Random(1))]++;
        return counts.every((count, i) => count === 3 * weights[i]!);
      },
    ),
    { seed: 3, numRuns: 200 },
  );
});

Deno.test("serverSpeeds have mean 1 and the asked ratio", () => {
  const speeds = serverSpeeds(10, 4);
  assert.ok(Math.abs(speeds.reduce((a, b) => a + b, 0) / 10 - 1) < 1e-12);
  assert.ok(Math.abs(speeds[9]! / speeds[0]! - 4) < 1e-12);
});

Deno.test("load-balancer is registered, deterministic and validates its parameters", () => {
  assert.equal(findExperiment("load-balancer"), loadBalancer);
  assert.deepEqual(
    loadBalancer.run({ requests: 2000 }, 9),
    loadBalancer.run({ requests: 2000 }, 9),
  );
  assert.throws(
    () => loadBalancer.run({ utilization: 1 }, 1),
    /params\.utilization: must be less than 1/,
  );
  assert.throws(
    () => loadBalancer.run({ servers: 3, d: 4 }, 1),
    /params\.d: must be at most servers/,
  );
  assert.throws(() => createPolicy("nope" as "p2c", 3), /known policies are/);
  assert.throws(
    () =>
      simulateLoadBalancer(loadBalancer.parseParams({ requests: 10 }), 1, { choose: () => 700 }),
    /the policy chose server 700, not one of 0..99/,
  );
});
