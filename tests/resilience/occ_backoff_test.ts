import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/mod.ts";
import {
  backoff,
  BACKOFF_STRATEGIES,
  type BackoffStrategy,
  BROOKER_100_CLIENTS,
  brookerTolerance,
  simulateBackoff,
} from "../../lib/resilience/mod.ts";
import { seedList, sweep } from "../../lib/experiments/mod.ts";

/** Mean calls and completion time over `runs` seeds, as Brooker averaged 100 runs per point. */
function means(strategy: BackoffStrategy, clients: number, runs: number) {
  const rows = sweep(backoff, {
    params: { clients, strategy },
    seeds: runs,
    progress: false,
  });
  const mean = (key: "calls" | "completionMs") =>
    rows.reduce((sum, row) => sum + row[key], 0) / rows.length;
  return { calls: mean("calls"), completionMs: mean("completionMs") };
}

const at100 = Object.fromEntries(
  BACKOFF_STRATEGIES.map((strategy) => [strategy, means(strategy, 100, 100)]),
) as Record<BackoffStrategy, { calls: number; completionMs: number }>;

Deno.test("backoff reproduces Brooker's numbers at 100 clients (100 runs per strategy)", () => {
  for (const strategy of BACKOFF_STRATEGIES) {
    const published = BROOKER_100_CLIENTS[strategy];
    const tolerance = brookerTolerance(strategy);
    const measured = at100[strategy];
    const callsError = Math.abs(measured.calls / published.calls - 1);
    const timeError = Math.abs(measured.completionMs / published.completionMs - 1);
    assert.ok(
      callsError <= tolerance.calls,
      `${strategy}: ${measured.calls} calls, published ${published.calls}`,
    );
    assert.ok(
      timeError <= tolerance.completion,
      `${strategy}: ${measured.completionMs} ms, published ${published.completionMs}`,
    );
  }
});

Deno.test("the blog's claims hold: jitter halves the calls; equal jitter is the slowest jittered", () => {
  const { none, exponential, full, equal, decorrelated } = at100;
  assert.ok(full.calls < exponential.calls / 2, "full jitter cuts calls by more than half");
  assert.ok(exponential.completionMs > 5 * Math.max(full.completionMs, equal.completionMs));
  assert.ok(
    equal.completionMs > full.completionMs && equal.completionMs > decorrelated.completionMs,
  );
  assert.ok(decorrelated.completionMs < full.completionMs, "decorrelated a little faster");
  assert.ok(decorrelated.calls > full.calls, "decorrelated makes more calls");
  assert.ok(Math.abs(equal.calls / full.calls - 1) < 0.1, "full and equal do about the same work");
  assert.ok(none.completionMs < full.completionMs && none.calls > exponential.calls);
});

Deno.test("no strategy changes the superlinear growth of work with contention", () => {
  for (const strategy of BACKOFF_STRATEGIES) {
    const perClient = [10, 25, 50, 100].map((clients) =>
      means(strategy, clients, 10).calls / clients
    );
    for (let i = 1; i < perClient.length; i++) {
      assert.ok(perClient[i]! > perClient[i - 1]!, `${strategy}: calls per client ${perClient}`);
    }
  }
});

Deno.test("a backoff run is deterministic per seed and every client's write succeeds once", () => {
  const params = backoff.parseParams({ clients: 30, strategy: "decorrelated" });
  const a = simulateBackoff(params, 5),
    b = simulateBackoff(params, 5),
    c = simulateBackoff(params, 6);
  assert.deepEqual(a.row, b.row);
  assert.notDeepEqual(a.row, c.row);
  assert.equal(a.doneAtMs.length, 30);
  assert.equal(a.row.calls - a.row.failedCalls, 30);
  assert.equal(a.row.completionMs, Math.max(...a.doneAtMs));
});

Deno.test("with one client there is no contention: one read, one write", () => {
  for (const seed of seedList(20)) {
    const [row] = backoff.run({ clients: 1, strategy: "exponential" }, seed);
    assert.equal(row!.calls, 1);
    assert.equal(row!.failedCalls, 0);
  }
});

Deno.test("backoff parameters are validated before anything runs", () => {
  assert.throws(() => backoff.parseParams({ clients: 0 }), ConfigError);
  assert.throws(
    () => backoff.parseParams({ baseMs: 100, capMs: 10 }),
    /params\.capMs: must be at least baseMs/,
  );
  assert.throws(() => backoff.parseParams({ strategy: "jitter" as "full" }), /params\.strategy/);
});
