import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/mod.ts";
import { fanoutTail, simulateFanoutTail } from "../../lib/experiments/fanout_tail.ts";
import { fanoutQuantile } from "../../lib/resilience/mod.ts";

function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.99 * sorted.length) - 1] as number;
}

/** Latencies of `seeds` runs pooled, as the chapter pools its sweep over seeds. */
function pooled(params: Parameters<typeof fanoutTail.run>[0], seeds: number): number[] {
  const latencies: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    for (const row of fanoutTail.run(params, seed)) latencies.push(row.latencyMs);
  }
  return latencies;
}

Deno.test("fanout-tail: the p99 of waiting for all k grows with k, as 1 - (1-p)^k predicts", () => {
  const ks = [1, 2, 5, 10, 20, 50, 100];
  // The chapter's sweep: 300 requests per run, 10 seeds pooled.
  const p99s = ks.map((k) => p99(pooled({ k, requests: 300 }, 10)));
  for (let i = 1; i < ks.length; i++) {
    assert.ok(p99s[i]! > p99s[i - 1]!, `p99 at k=${ks[i]} (${p99s[i]}) > at k=${ks[i - 1]}`);
  }
  const backend = fanoutTail.parseParams().backendLatency;
  ks.forEach((k, i) => {
    // Two constant 0.5 ms hops on top of the slowest of k back ends.
    const exact = fanoutQuantile(backend, 0.99, { k }) + 1;
    assert.ok(Math.abs(p99s[i]! - exact) / exact < 0.2, `k=${k}: ${p99s[i]} vs exact ${exact}`);
  });
  // At k = 100 the request's p99 is the back ends' p99.99: four times their own p99.
  assert.ok(p99s[6]! > 3 * p99s[0]!);
});

Deno.test("fanout-tail: waiting for the first of k makes the tail shrink with k", () => {
  const ks = [1, 2, 5, 10];
  const p99s = ks.map((k) => p99(pooled({ k, wait: "first", requests: 500 }, 3)));
  for (let i = 1; i < ks.length; i++) assert.ok(p99s[i]! < p99s[i - 1]!);
});

Deno.test("fanout-tail: hedging slow parts cuts the p99 at the cost of extra parts", () => {
  const plain = fanoutTail.run({ k: 10, requests: 2000 }, 1);
  const hedged = fanoutTail.run({ k: 10, requests: 2000, hedgeAfterMs: 50 }, 1);
  const plainP99 = p99(plain.map((r) => r.latencyMs));
  const hedgedP99 = p99(hedged.map((r) => r.latencyMs));
  assert.ok(hedgedP99 < 0.7 * plainP99, `hedged ${hedgedP99} vs ${plainP99}`);
  const extra = hedged.reduce((sum, r) => sum + r.partsSent, 0) / (2000 * 10) - 1;
  // About 5% of parts outlast 50 ms (the back ends' p95 is 52 ms).
  assert.ok(extra > 0.02 && extra < 0.1, `${(extra * 100).toFixed(1)}% extra parts`);
  assert.ok(hedged.every((r) => r.hedged) && plain.every((r) => !r.hedged && r.partsSent === 10));
});

Deno.test("fanout-tail: a quorum completes between the first and the last reply", () => {
  const all = pooled({ k: 9, requests: 500 }, 2);
  const quorum = pooled({ k: 9, wait: "quorum", requests: 500 }, 2);
  const first = pooled({ k: 9, wait: "first", requests: 500 }, 2);
  // Same seeds, same draws: request by request, first ≤ quorum (5 of 9) ≤ all.
  quorum.forEach((q, i) => assert.ok(first[i]! <= q && q <= all[i]!));
  assert.ok(fanoutTail.run({ k: 9, wait: "quorum" }, 1).every((r) => r.needed === 5));
});

Deno.test("fanout-tail rows are tidy, one per request, and deterministic by seed", () => {
  const rows = fanoutTail.run({ k: 3, requests: 50 }, 4);
  assert.equal(rows.length, 50);
  assert.deepEqual(Object.keys(rows[0]!), [
    "k",
    "wait",
    "needed",
    "hedged",
    "requestId",
    "latencyMs",
    "partsSent",
  ]);
  assert.deepEqual(rows.map((r) => r.requestId), [...Array(50).keys()]);
  assert.deepEqual(fanoutTail.run({ k: 3, requests: 50 }, 4), rows);
  assert.notDeepEqual(fanoutTail.run({ k: 3, requests: 50 }, 5), rows);
});

Deno.test("simulateFanoutTail keeps the trace when asked and names the replay command", () => {
  const run = simulateFanoutTail(fanoutTail.parseParams({ k: 2, requests: 3 }), 1, {
    record: true,
  });
  assert.equal(run.simulation.trace.records.filter((r) => r.kind === "deliver").length, 12);
  assert.equal(
    run.simulation.config.replay,
    "deno task exp run fanout-tail --seed 1 --param k=2 --param requests=3",
  );
});

Deno.test("fanout-tail rejects bad parameters with their path", () => {
  assert.throws(() => fanoutTail.run({ k: 0 }, 1), /params\.k: must be at least 1, got 0/);
  assert.throws(
    () => fanoutTail.run({ k: 3, wait: "quorum", quorum: 4 }, 1),
    (error: unknown) => error instanceof ConfigError && error.issues[0]?.path === "params.quorum",
  );
});
