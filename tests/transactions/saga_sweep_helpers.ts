/** The saga trial's fault profiles, and the assertion both halves of the 1,000-seed sweep make. */
import assert from "node:assert/strict";
import { describeFailures, faultSweep } from "../../lib/testing/mod.ts";
import { sagaMoneyTrial, type SagaParamsSchema } from "../../lib/transactions/mod.ts";
import type { z } from "zod";

/**
 * Profiles that stress different rules: the defaults; a network that loses and duplicates
 * a fifth of all messages (retries, redeliveries); crashes twice as often, two at a time
 * (recovery from durable state); twice the orders against scarce stock and money, with
 * partitions too (many compensations); and the saga with a semantic lock (a fourth step).
 */
export const SAGA_PROFILES: Record<string, z.input<typeof SagaParamsSchema>> = {
  default: {},
  lossy: { lossProbability: 0.2, duplicateProbability: 0.2 },
  crashy: { faultsPerSecond: 10, concurrentNodeFaults: 2 },
  busy: {
    orders: 40,
    stock: 6,
    balance: 60,
    faultKinds: ["crash", "pause", "isolate", "partition", "partition-one-way"],
  },
  locked: { semanticLock: true },
};

/** Sweeps seeds `first` to `first + count − 1` and asserts no invariant broke. */
export function assertCleanSagaSweep(first: number, count: number): void {
  const result = faultSweep(sagaMoneyTrial, {
    seeds: count,
    firstSeed: first,
    profiles: SAGA_PROFILES,
  });
  assert.equal(result.trials, count);
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  for (const row of result.rows) {
    assert.equal(row.conserved, true, `seed ${row.seed}: money not conserved`);
    assert.equal(row.doubleCharged, 0, `seed ${row.seed}: an order charged twice`);
    assert.equal(row.unfinished, 0, `seed ${row.seed}: a saga never ended`);
    assert.equal(row.completed + row.compensated, row.orders, `seed ${row.seed}`);
  }
  // The sweep exercised both ends of a saga, and readers saw intermediate states.
  assert.ok(result.rows.reduce((s, r) => s + r.compensated, 0) > count);
  assert.ok(result.rows.reduce((s, r) => s + r.completed, 0) > count);
  assert.ok(result.rows.some((r) => r.anomaliesMidSaga > 0));
  // With a semantic lock, readers see pending charges and never a settled one later refunded.
  const locked = result.rows.filter((r) => r.semanticLock);
  assert.ok(locked.length > 0 && locked.every((r) => r.anomaliesMidSaga === 0));
  assert.ok(locked.some((r) => r.pendingSeen > 0));
}
