import assert from "node:assert/strict";
import { caughtWithin, describeFailures, faultSweep } from "../../lib/testing/mod.ts";
import { cqrsLagTrial, lagPercentiles } from "../../lib/messaging/mod.ts";

Deno.test("with the session fix, 300 seeds: every read sees the reader's own write", () => {
  const result = faultSweep(cqrsLagTrial, {
    seeds: 300,
    profiles: { calm: { faultsPerSecond: 0 }, paused: { faultsPerSecond: 4 } },
    params: { session: true },
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  assert.ok(result.rows.every((r) => r.staleReads === 0 && r.reads === 100));
});

Deno.test("without it, most reads right after a write miss it", () => {
  const result = faultSweep(cqrsLagTrial, { seeds: 100, params: { session: false } });
  const stale = result.rows.reduce((s, r) => s + r.staleReads, 0);
  const reads = result.rows.reduce((s, r) => s + r.reads, 0);
  assert.ok(stale / reads > 0.5, `${stale} of ${reads}`);
  assert.ok(
    result.rows.every((r) =>
      r.p50LagMs <= r.p90LagMs && r.p90LagMs <= r.p99LagMs && r.p99LagMs <= r.maxLagMs
    ),
  );
});

Deno.test("a read model that ignores the read's position is caught within 50 seeds", () => {
  const failure = caughtWithin(cqrsLagTrial, 50, {
    params: { session: true, ignoreMinPosition: true },
    excerpt: false,
  });
  assert.equal(failure.invariant, "with sessions, a client reads its own writes");
});

Deno.test("lag percentiles of nothing are zero", () => {
  assert.deepEqual(lagPercentiles([]), { p50LagMs: 0, p90LagMs: 0, p99LagMs: 0, maxLagMs: 0 });
  assert.deepEqual(lagPercentiles([1, 2, 3, 4]).maxLagMs, 4);
});
