/**
 * The quorum store's sweeps as the tests run them: a clean sweep must find nothing over
 * its seeds; a broken variant must be caught within a seed budget.
 */
import assert from "node:assert/strict";
import type { DistributionInput } from "../../lib/mod.ts";
import {
  quorumSweep,
  type QuorumTrialFailure,
  type QuorumTrialParamsInput,
} from "../../lib/replication/mod.ts";

/** A latency with a slow path: one message in ten takes 20–60 ms instead of 1–5 ms. */
export const SLOW_PATH: DistributionInput = {
  kind: "mixture",
  components: [
    { weight: 0.9, distribution: { kind: "uniform", minMs: 1, maxMs: 5 } },
    { weight: 0.1, distribution: { kind: "uniform", minMs: 20, maxMs: 60 } },
  ],
};

/** Runs `seeds` seeds of `params` and asserts every promise held on each. */
export function assertCleanSweep(params: QuorumTrialParamsInput, seeds: number): void {
  const result = quorumSweep(params, { seeds });
  const failure = result.failures[0];
  assert.equal(
    failure,
    undefined,
    failure === undefined ? "" : `seed ${failure.seed}: ${failure.kind}: ${failure.message}`,
  );
  assert.equal(result.trials, seeds);
  assert.equal(result.unknown, 0, "every history was checked to a verdict");
  assert.ok(result.ok > 10 * seeds, `the clients got work done (${result.ok} ok)`);
}

/** Sweeps from seed 1 and returns the first failure, asserting one came within `budget` seeds. */
export function caughtWithin(params: QuorumTrialParamsInput, budget: number): QuorumTrialFailure {
  const result = quorumSweep(params, { seeds: budget });
  const failure = result.failures[0];
  assert.ok(failure !== undefined, `no failure in ${budget} seeds`);
  return failure;
}
