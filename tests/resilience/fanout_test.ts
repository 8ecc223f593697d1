import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "../../lib/config/mod.ts";
import {
  FanoutBackend,
  FanoutFrontEnd,
  type FanoutFrontEndOptionsInput,
  type FanoutMessage,
  fanoutQuantile,
  type FanoutRecord,
  partsNeeded,
} from "../../lib/resilience/mod.ts";
import { type Distribution, distributionQuantile, Random, Simulation } from "../../lib/sim/mod.ts";

/** A front end and back ends whose reply links have the given constant delays. */
function runFixed(
  replyMs: readonly number[],
  options: Partial<FanoutFrontEndOptionsInput> = {},
): { sim: Simulation<FanoutMessage>; records: FanoutRecord[] } {
  const backends = replyMs.map((_, i) => `b${i + 1}`);
  const spares = (options.spares ?? []) as string[];
  const sim = new Simulation<FanoutMessage>({
    seed: 1,
    network: {
      latency: { kind: "constant", ms: 0 },
      links: replyMs.map((ms, i) => ({
        from: backends[i] as string,
        to: "fe",
        latency: { kind: "constant", ms },
      })),
    },
  });
  let fe: FanoutFrontEnd | undefined;
  sim.addNode("fe", (ctx) => fe = new FanoutFrontEnd(ctx, { backends, requests: 1, ...options }));
  sim.addNodes(
    [...backends, ...spares],
    (ctx) => new FanoutBackend(ctx, { serviceTime: { kind: "constant", ms: 0 } }),
  );
  sim.runUntilQuiet();
  return { sim, records: (fe as FanoutFrontEnd).records };
}

Deno.test("FanoutFrontEnd completes a wait-for-all request with the slowest reply", () => {
  const { records } = runFixed([30, 10, 50, 20]);
  assert.equal(records[0]?.latencyMs, 50);
  assert.equal(records[0]?.partsSent, 4);
});

Deno.test("FanoutFrontEnd completes a quorum request with the q-th fastest reply", () => {
  assert.equal(runFixed([30, 10, 50, 20], { wait: "quorum", quorum: 2 }).records[0]?.latencyMs, 20);
  // Default quorum: a majority, 3 of 4.
  assert.equal(runFixed([30, 10, 50, 20], { wait: "quorum" }).records[0]?.latencyMs, 30);
  assert.equal(runFixed([30, 10, 50, 20], { wait: "first" }).records[0]?.latencyMs, 10);
});

Deno.test("FanoutFrontEnd hedges an unanswered part to a spare, and the first reply wins", () => {
  // b2 takes 100 ms; after 20 ms its part goes to spare s1, whose reply link is instant.
  const { sim, records } = runFixed([10, 100], { spares: ["s1"], hedgeAfterMs: 20 });
  assert.equal(records[0]?.latencyMs, 20);
  assert.equal(records[0]?.partsSent, 3);
  const hedges = sim.trace.records.filter((r) => r.kind === "send" && r.to === "s1");
  assert.equal(hedges.length, 1);
  assert.ok(hedges.every((r) => r.t === 20));
});

Deno.test("FanoutFrontEnd does not hedge a request already complete", () => {
  const { records } = runFixed([10, 15], { spares: ["s1"], hedgeAfterMs: 20 });
  assert.equal(records[0]?.partsSent, 2);
});

Deno.test("FanoutFrontEnd rejects a quorum larger than k and hedging without spares", () => {
  const sim = new Simulation<FanoutMessage>();
  sim.addNode(
    "fe",
    (ctx) => new FanoutFrontEnd(ctx, { backends: ["b1"], wait: "quorum", quorum: 2 }),
  );
  assert.throws(() => sim.runFor(1), (error: unknown) => {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof ConfigError && cause.issues[0]?.path === "frontEnd.quorum";
  });
  const other = new Simulation<FanoutMessage>();
  other.addNode("fe", (ctx) => new FanoutFrontEnd(ctx, { backends: ["b1"], hedgeAfterMs: 5 }));
  assert.throws(() => other.runFor(1), /frontEnd\.hedgeAfterMs: must come with at least one spare/);
});

Deno.test("partsNeeded counts k, 1 or the quorum, and rejects impossible ones", () => {
  assert.equal(partsNeeded(5, "all"), 5);
  assert.equal(partsNeeded(5, "first"), 1);
  assert.equal(partsNeeded(5, "quorum"), 3);
  assert.equal(partsNeeded(4, "quorum"), 3);
  assert.equal(partsNeeded(5, "quorum", 5), 5);
  assert.throws(() => partsNeeded(0, "all"), RangeError);
  assert.throws(() => partsNeeded(3, "quorum", 4), /quorum must be between 1 and 3, got 4/);
});

const lognormal: Distribution = { kind: "lognormal", medianMs: 10, sigma: 1, shiftMs: 0 };
const exponential: Distribution = { kind: "exponential", meanMs: 10, shiftMs: 0 };

Deno.test("fanoutQuantile of all k is the quantile at q^(1/k), of the first at 1-(1-q)^(1/k)", () => {
  for (const k of [1, 2, 5, 10, 100]) {
    const all = fanoutQuantile(lognormal, 0.99, { k });
    assert.ok(Math.abs(all - distributionQuantile(lognormal, 0.99 ** (1 / k))) < 1e-6 * all);
    const first = fanoutQuantile(exponential, 0.99, { k, needed: 1 });
    // The minimum of k exponentials of mean m is exponential with mean m / k.
    const expected = -(10 / k) * Math.log(0.01);
    assert.ok(Math.abs(first - expected) < 1e-6 * expected, `k=${k}: ${first} vs ${expected}`);
  }
});

Deno.test("fanoutQuantile agrees with a brute-force order statistic on random draws", () => {
  const random = new Random(5);
  const draws = 20_000;
  for (const [k, needed] of [[3, 2], [5, 3], [9, 5]] as const) {
    const samples: number[] = [];
    for (let i = 0; i < draws; i++) {
      const parts = Array.from({ length: k }, () => random.exponential(10)).sort((a, b) => a - b);
      samples.push(parts[needed - 1] as number);
    }
    samples.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const empirical = samples[Math.ceil(q * draws) - 1] as number;
      const exact = fanoutQuantile(exponential, q, { k, needed });
      assert.ok(Math.abs(empirical - exact) / exact < 0.06, `k=${k} m=${needed} q=${q}`);
    }
  }
});

Deno.test("fanoutQuantile grows with k when waiting for all, shrinks when waiting for the first", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), (k) => {
    const all = fanoutQuantile(lognormal, 0.99, { k });
    const allMore = fanoutQuantile(lognormal, 0.99, { k: k + 1 });
    const first = fanoutQuantile(lognormal, 0.99, { k, needed: 1 });
    const firstMore = fanoutQuantile(lognormal, 0.99, { k: k + 1, needed: 1 });
    return allMore > all && firstMore < first;
  }));
});

Deno.test("fanoutQuantile rejects a q outside (0, 1)", () => {
  assert.throws(() => fanoutQuantile(lognormal, 1, { k: 2 }), RangeError);
  assert.throws(() => fanoutQuantile(lognormal, 0.5, { k: 2, needed: 3 }), RangeError);
});
